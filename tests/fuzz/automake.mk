# SPDX-License-Identifier: Apache-2.0
# tests/fuzz/: libFuzzer targets (tests/fuzz/README.md).  Neither "make"
# nor "make check" builds them: "make fuzz" does, with clang, compiling
# each harness together with the xvs sources it tests straight from
# $(top_srcdir) (not through libtool: those sources need clang's fuzzer
# and sanitizer instrumentation too).  tests/fuzz/run-fuzz runs them.

FUZZ_CC = clang
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined
FUZZ_CPPFLAGS = $(AM_CPPFLAGS) $(WARNING_FLAGS) $(ARCH_CFLAGS)

# libopenvswitch, and what its libtool archive says it needs, with the
# libtool archives among those (libopenvswitchavx512.la) turned into their
# static libraries.  Expanded by the shell when the rule runs.
FUZZ_OVS_LIBS = $(OVS_BUILD)/lib/.libs/libopenvswitch.a \
	`sed -n "s/^dependency_libs='\(.*\)'/\1/p" \
	    $(OVS_BUILD)/lib/libopenvswitch.la \
	 | sed 's|\([^ ]*\)/\([^/ ]*\)\.la|\1/.libs/\2.a|g'`

# fuzz-openflow's connections: connmgr.c's calls to these rconn functions
# go to the harness instead of libopenvswitch (see fuzz-openflow.c).
FUZZ_OPENFLOW_WRAP = -Wl,--wrap=rconn_connect,--wrap=rconn_run \
	-Wl,--wrap=rconn_recv,--wrap=rconn_send,--wrap=rconn_send_with_limit \
	-Wl,--wrap=rconn_is_connected,--wrap=rconn_is_admitted \
	-Wl,--wrap=rconn_is_alive,--wrap=rconn_get_version \
	-Wl,--wrap=rconn_get_connection_seqno

FUZZ_TARGETS = \
	tests/fuzz/fuzz-flow-key \
	tests/fuzz/fuzz-pkt-edit \
	tests/fuzz/fuzz-openflow \
	tests/fuzz/fuzz-config \
	tests/fuzz/fuzz-control \
	tests/fuzz/fuzz-dhcp

fuzz: $(FUZZ_TARGETS)
.PHONY: fuzz
CLEANFILES += $(FUZZ_TARGETS)

tests/fuzz/fuzz-flow-key: tests/fuzz/fuzz-flow-key.c \
		tests/fuzz/fuzz-common.h switchd/flow-dp.h datapath/flow-key.c \
		datapath/flow-key.h datapath/pkt-edit.c datapath/pkt-edit.h
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_CPPFLAGS) $(OVS_CPPFLAGS) \
	    -o $@ $(top_srcdir)/tests/fuzz/fuzz-flow-key.c \
	    $(top_srcdir)/datapath/flow-key.c \
	    $(top_srcdir)/datapath/pkt-edit.c $(FUZZ_OVS_LIBS)

tests/fuzz/fuzz-pkt-edit: tests/fuzz/fuzz-pkt-edit.c datapath/pkt-edit.c \
		datapath/pkt-edit.h datapath/dp-actions.h
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_CPPFLAGS) \
	    -o $@ $(top_srcdir)/tests/fuzz/fuzz-pkt-edit.c \
	    $(top_srcdir)/datapath/pkt-edit.c

tests/fuzz/fuzz-openflow: tests/fuzz/fuzz-openflow.c switchd/connmgr.c \
		switchd/connmgr.h switchd/pipeline.c switchd/pipeline.h \
		switchd/pipeline-private.h switchd/xlate.c switchd/group.c \
		switchd/ofp-ext.c switchd/ofp-ext.h \
		switchd/mirror.c switchd/pktbuf.c switchd/pktbuf.h \
		switchd/port-security.c switchd/port-security.h \
		lib/xvs-guest.c lib/xvs-guest.h \
		switchd/meter.c switchd/mac-table.c switchd/mac-table.h datapath/flow-key.c \
		datapath/flow-key.h datapath/datapath.h datapath/dp-actions.h \
		datapath/pkt-edit.c datapath/pkt-edit.h
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_CPPFLAGS) $(OVS_CPPFLAGS) \
	    $(FUZZ_OPENFLOW_WRAP) \
	    -o $@ $(top_srcdir)/tests/fuzz/fuzz-openflow.c \
	    $(top_srcdir)/switchd/connmgr.c $(top_srcdir)/switchd/pipeline.c \
	    $(top_srcdir)/switchd/xlate.c $(top_srcdir)/switchd/group.c \
	    $(top_srcdir)/switchd/ofp-ext.c \
	    $(top_srcdir)/switchd/mirror.c $(top_srcdir)/switchd/pktbuf.c \
	    $(top_srcdir)/switchd/meter.c $(top_srcdir)/switchd/mac-table.c \
	    $(top_srcdir)/switchd/port-security.c $(top_srcdir)/lib/xvs-guest.c \
	    $(top_srcdir)/datapath/flow-key.c \
	    $(top_srcdir)/datapath/pkt-edit.c $(FUZZ_OVS_LIBS)

tests/fuzz/fuzz-config: tests/fuzz/fuzz-config.c lib/xvs-config.c \
		lib/xvs-config.h lib/xvs-guest.c lib/xvs-guest.h
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_CPPFLAGS) $(YAML_CFLAGS) \
	    -o $@ $(top_srcdir)/tests/fuzz/fuzz-config.c \
	    $(top_srcdir)/lib/xvs-config.c $(top_srcdir)/lib/xvs-guest.c \
	    $(YAML_LIBS)

tests/fuzz/fuzz-control: tests/fuzz/fuzz-control.c switchd/control.c \
		switchd/control.h lib/xvs-control.h lib/xvs-commands.h
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_CPPFLAGS) $(OVS_CPPFLAGS) \
	    -o $@ $(top_srcdir)/tests/fuzz/fuzz-control.c \
	    $(top_srcdir)/switchd/control.c $(FUZZ_OVS_LIBS)

tests/fuzz/fuzz-dhcp: tests/fuzz/fuzz-dhcp.c switchd/port-security.c \
		switchd/port-security.h lib/xvs-guest.c lib/xvs-guest.h
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_CPPFLAGS) $(OVS_CPPFLAGS) \
	    -I$(top_srcdir)/switchd \
	    -o $@ $(top_srcdir)/tests/fuzz/fuzz-dhcp.c \
	    $(top_srcdir)/switchd/port-security.c \
	    $(top_srcdir)/lib/xvs-guest.c $(FUZZ_OVS_LIBS)

EXTRA_DIST += \
	tests/fuzz/README.md \
	tests/fuzz/run-fuzz \
	tests/fuzz/gen-corpus.py \
	tests/fuzz/fuzz-common.h \
	tests/fuzz/fuzz-flow-key.c \
	tests/fuzz/fuzz-pkt-edit.c \
	tests/fuzz/fuzz-openflow.c \
	tests/fuzz/fuzz-config.c \
	tests/fuzz/fuzz-control.c \
	tests/fuzz/fuzz-dhcp.c \
	tests/fuzz/corpus
