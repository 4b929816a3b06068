/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture.h: xvs-ctl capture in xvs-switchd (see capture.c).
 *
 * Thread-safety: main thread only.
 */
#ifndef XVS_CAPTURE_H
#define XVS_CAPTURE_H 1

void capture_register_commands(void);
void capture_run(void);
void capture_wait(void);
/* Ends every capture; before the datapath goes. */
void capture_exit(void);

#endif /* capture.h */
