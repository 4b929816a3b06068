# SPDX-License-Identifier: Apache-2.0
# datapath/: the DPDK fast path.  No Open vSwitch headers here.

# The flow key and the caches are plain C, so that unit tests (and
# switchd/, for the key) use them without DPDK.
noinst_LTLIBRARIES += datapath/libxvsdpkey.la
datapath_libxvsdpkey_la_SOURCES = \
	datapath/dp-actions.h \
	datapath/mfc.c \
	datapath/mfc.h \
	datapath/emc.c \
	datapath/emc.h \
	datapath/flow-key.c \
	datapath/flow-key.h \
	datapath/pkt-edit.c \
	datapath/pkt-edit.h

noinst_LTLIBRARIES += datapath/libxvsdp.la
datapath_libxvsdp_la_SOURCES = \
	datapath/datapath.c \
	datapath/datapath.h \
	datapath/dp-capture.c \
	datapath/dp-offload.c \
	datapath/dp-offload.h \
	datapath/dp-private.h \
	datapath/pmd.c \
	datapath/vnet.c \
	datapath/vnet.h
datapath_libxvsdp_la_CFLAGS = $(AM_CFLAGS) $(DPDK_CFLAGS)
datapath_libxvsdp_la_LIBADD = datapath/libxvsdpkey.la $(DPDK_LIBS)
