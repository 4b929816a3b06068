# datapath/: the DPDK fast path.  No Open vSwitch headers here.

# The flow key is plain C, so that unit tests and switchd/ use it without
# DPDK.
noinst_LTLIBRARIES += datapath/libxvsdpkey.la
datapath_libxvsdpkey_la_SOURCES = \
	datapath/dp-actions.h \
	datapath/flow-key.c \
	datapath/flow-key.h

noinst_LTLIBRARIES += datapath/libxvsdp.la
datapath_libxvsdp_la_SOURCES = \
	datapath/datapath.c \
	datapath/datapath.h
datapath_libxvsdp_la_CFLAGS = $(AM_CFLAGS) $(DPDK_CFLAGS)
datapath_libxvsdp_la_LIBADD = datapath/libxvsdpkey.la $(DPDK_LIBS)
