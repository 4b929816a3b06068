/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics.h: the Prometheus listener of xvs-switchd (see metrics.c).
 *
 * Thread-safety: main thread only.
 */
#ifndef XVS_METRICS_H
#define XVS_METRICS_H 1

struct ds;

/* Listens on 'target' ("ADDR:PORT"; NULL: stops listening).  Keeps the
 * current listener if 'target' is the same.  Returns 0, or a positive
 * errno value with a message in '*errp'; then the previous listener, if
 * any, goes on. */
int metrics_set_listener(const char *target, char **errp);

/* The listener's "ADDR:PORT", or NULL. */
const char *metrics_listener(void);

void metrics_run(void);
void metrics_wait(void);
void metrics_exit(void);

/* Appends the metrics page to 'page' (for tests and xvs-ctl). */
void metrics_page(struct ds *page);

#endif /* metrics.h */
