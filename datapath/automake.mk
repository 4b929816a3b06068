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

# The burst's classification (dp-classify.h), compiled once per
# instruction set; the variant is chosen at start-up.  dp-classify.c reads
# packets through DPDK's mbuf header only: no DPDK library is linked here.
noinst_LTLIBRARIES += datapath/libxvsclassify.la
datapath_libxvsclassify_la_SOURCES = \
	datapath/dp-classify.c \
	datapath/dp-classify.h \
	datapath/dp-isa.c
datapath_libxvsclassify_la_CFLAGS = $(AM_CFLAGS) $(DPDK_CFLAGS) \
	-DDP_CLASSIFY_FN=dp_classify_baseline
datapath_libxvsclassify_la_LIBADD = datapath/libxvsdpkey.la
if XVS_X86_64
noinst_LTLIBRARIES += datapath/libxvsclassify-avx2.la
datapath_libxvsclassify_avx2_la_SOURCES = datapath/dp-classify.c
datapath_libxvsclassify_avx2_la_CFLAGS = $(AM_CFLAGS) $(DPDK_CFLAGS) \
	-mavx2 -mbmi -mbmi2 -DDP_CLASSIFY_FN=dp_classify_avx2
noinst_LTLIBRARIES += datapath/libxvsclassify-avx512.la
datapath_libxvsclassify_avx512_la_SOURCES = datapath/dp-classify.c
datapath_libxvsclassify_avx512_la_CFLAGS = $(AM_CFLAGS) $(DPDK_CFLAGS) \
	-mavx2 -mbmi -mbmi2 -mavx512f -mavx512bw -mavx512dq -mavx512vl \
	-DDP_CLASSIFY_FN=dp_classify_avx512
datapath_libxvsclassify_la_LIBADD += datapath/libxvsclassify-avx2.la \
	datapath/libxvsclassify-avx512.la
endif

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
datapath_libxvsdp_la_LIBADD = datapath/libxvsclassify.la \
	datapath/libxvsdpkey.la $(DPDK_LIBS)
