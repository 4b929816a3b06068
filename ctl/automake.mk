# SPDX-License-Identifier: Apache-2.0
# ctl/: xvs-ctl, the control utility.
bin_PROGRAMS += ctl/xvs-ctl
ctl_xvs_ctl_SOURCES = ctl/xvs-ctl.c
ctl_xvs_ctl_CPPFLAGS = $(AM_CPPFLAGS) $(OVS_CPPFLAGS)
ctl_xvs_ctl_LDADD = lib/libxvs.la $(OVS_LIBS)
