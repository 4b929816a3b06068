# SPDX-License-Identifier: Apache-2.0
# switchd/: the daemon.  DPDK only through datapath/.

# The pipeline, without the daemon around it, for unit tests.
noinst_LTLIBRARIES += switchd/libxvsswitch.la
switchd_libxvsswitch_la_SOURCES = \
	switchd/flow-dp.h \
	switchd/group.c \
	switchd/mac-table.c \
	switchd/mac-table.h \
	switchd/meter.c \
	switchd/ofp-ext.c \
	switchd/ofp-ext.h \
	switchd/pipeline.c \
	switchd/pipeline-private.h \
	switchd/pipeline.h \
	switchd/pktbuf.c \
	switchd/pktbuf.h \
	switchd/port-security.c \
	switchd/port-security.h \
	switchd/xlate.c \
	switchd/mirror.c
switchd_libxvsswitch_la_CPPFLAGS = $(AM_CPPFLAGS) $(OVS_CPPFLAGS)
switchd_libxvsswitch_la_LIBADD = datapath/libxvsdpkey.la lib/libxvs.la \
	$(OVS_LIBS)

sbin_PROGRAMS += switchd/xvs-switchd
switchd_xvs_switchd_SOURCES = \
	switchd/bridge.c \
	switchd/bridge-ctl.c \
	switchd/bridge-private.h \
	switchd/domain-ctl.c \
	switchd/table-ctl.c \
	switchd/trace-ctl.c \
	switchd/reload.c \
	switchd/metrics.c \
	switchd/capture.c \
	switchd/capture.h \
	switchd/metrics.h \
	switchd/bridge.h \
	switchd/connmgr.c \
	switchd/connmgr.h \
	switchd/control.c \
	switchd/control.h \
	switchd/xvs-switchd.c
switchd_xvs_switchd_CPPFLAGS = $(AM_CPPFLAGS) $(OVS_CPPFLAGS) $(MHD_CFLAGS) \
	$(PCAP_CFLAGS)
switchd_xvs_switchd_LDADD = \
	switchd/libxvsswitch.la \
	datapath/libxvsdp.la \
	lib/libxvs.la \
	$(OVS_LIBS) $(DPDK_LIBS) $(YAML_LIBS) $(MHD_LIBS) $(PCAP_LIBS)
