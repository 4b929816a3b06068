/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xvs-control.h: what xvs-switchd and xvs-ctl agree on about the control
 * socket.
 *
 * The protocol is Open vSwitch's unixctl JSON-RPC (a request's method is the
 * command, its params the arguments, all strings; the reply's result or
 * error is text), so ovs-appctl -t PATH works too.  The limits are
 * constants rather than options because both ends must know them: xvs-ctl
 * refuses a request the daemon would refuse, with a message about the file
 * rather than a broken connection.
 */
#ifndef XVS_CONTROL_H
#define XVS_CONTROL_H 1

#define XVS_CTL_DEFAULT_PATH "/run/xvs/xvs-switchd.ctl"

/* The largest request, in bytes of JSON, the daemon reads: big enough for
 * add-flows of about 500,000 flows, small enough that a client cannot
 * make the daemon grow without bound. */
#define XVS_CTL_MAX_REQUEST (64u * 1024 * 1024)

/* Control connections served at once; more are closed on accept. */
#define XVS_CTL_MAX_CONNS 64

#endif /* xvs-control.h */
