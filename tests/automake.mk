# SPDX-License-Identifier: Apache-2.0
# tests/: CMocka unit tests (one per module) and integration tests in
# network namespaces.  Every test speaks TAP, so that each CMocka case and
# each integration check counts as one result.

LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) \
	$(top_srcdir)/build-aux/tap-driver.sh
AM_TESTS_ENVIRONMENT = \
	CMOCKA_MESSAGE_OUTPUT=TAP; export CMOCKA_MESSAGE_OUTPUT; \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir;

UNIT_CPPFLAGS = $(AM_CPPFLAGS) $(OVS_CPPFLAGS) $(CMOCKA_CFLAGS)
# CMocka test functions take 'void **state' whether they use it or not.
UNIT_CFLAGS = $(AM_CFLAGS) -Wno-unused-parameter

check_PROGRAMS += tests/unit/test-config
tests_unit_test_config_SOURCES = tests/unit/test-config.c
tests_unit_test_config_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_LDADD = lib/libxvs.la $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test-flow-key
tests_unit_test_flow_key_SOURCES = tests/unit/test-flow-key.c
tests_unit_test_flow_key_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_flow_key_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_flow_key_LDADD = datapath/libxvsdpkey.la $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test-mac-table
tests_unit_test_mac_table_SOURCES = tests/unit/test-mac-table.c
tests_unit_test_mac_table_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_mac_table_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_mac_table_LDADD = switchd/libxvsswitch.la $(OVS_LIBS) \
	$(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test-port-security
tests_unit_test_port_security_SOURCES = tests/unit/test-port-security.c
tests_unit_test_port_security_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_port_security_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_port_security_LDADD = switchd/libxvsswitch.la $(OVS_LIBS) \
	$(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test-pktbuf
tests_unit_test_pktbuf_SOURCES = tests/unit/test-pktbuf.c
tests_unit_test_pktbuf_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_pktbuf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pktbuf_LDADD = switchd/libxvsswitch.la $(OVS_LIBS) \
	$(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test-pipeline
tests_unit_test_pipeline_SOURCES = tests/unit/test-pipeline.c
tests_unit_test_pipeline_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_pipeline_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pipeline_LDADD = switchd/libxvsswitch.la $(OVS_LIBS) \
	$(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test-ofp-ext
tests_unit_test_ofp_ext_SOURCES = tests/unit/test-ofp-ext.c
tests_unit_test_ofp_ext_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_ofp_ext_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ofp_ext_LDADD = switchd/libxvsswitch.la $(OVS_LIBS) \
	$(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test-classify
tests_unit_test_classify_SOURCES = tests/unit/test-classify.c
tests_unit_test_classify_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_classify_CFLAGS = $(UNIT_CFLAGS) $(DPDK_CFLAGS)
tests_unit_test_classify_LDADD = datapath/libxvsclassify.la \
	datapath/libxvsdpkey.la $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test-mfc
tests_unit_test_mfc_SOURCES = tests/unit/test-mfc.c
tests_unit_test_mfc_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_mfc_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_mfc_LDADD = datapath/libxvsdpkey.la $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test-pkt-edit
tests_unit_test_pkt_edit_SOURCES = tests/unit/test-pkt-edit.c
tests_unit_test_pkt_edit_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_pkt_edit_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pkt_edit_LDADD = datapath/libxvsdpkey.la $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test-megaflow-equiv
tests_unit_test_megaflow_equiv_SOURCES = tests/unit/test-megaflow-equiv.c
tests_unit_test_megaflow_equiv_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_megaflow_equiv_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_megaflow_equiv_LDADD = switchd/libxvsswitch.la \
	datapath/libxvsdpkey.la $(OVS_LIBS) $(CMOCKA_LIBS)

UNIT_TESTS = \
	tests/unit/test-classify \
	tests/unit/test-mfc \
	tests/unit/test-pkt-edit \
	tests/unit/test-megaflow-equiv \
	tests/unit/test-config \
	tests/unit/test-flow-key \
	tests/unit/test-mac-table \
	tests/unit/test-pktbuf \
	tests/unit/test-port-security \
	tests/unit/test-ofp-ext \
	tests/unit/test-pipeline
TESTS += $(UNIT_TESTS)

INTEGRATION_TESTS = \
	tests/integration/test-config-errors.sh \
	tests/integration/test-ping.sh \
	tests/integration/test-normal-learning.sh \
	tests/integration/test-ctl-flow.sh \
	tests/integration/test-port-churn.sh \
	tests/integration/test-restart.sh \
	tests/integration/test-ctl-errors.sh \
	tests/integration/test-cache.sh \
	tests/integration/test-hotplug.sh \
	tests/integration/test-vlan.sh \
	tests/integration/test-churn.sh \
	tests/integration/test-vif-gone.sh \
	tests/integration/test-internal.sh \
	tests/integration/test-openflow.sh \
	tests/integration/test-controller.sh \
	tests/integration/test-groups.sh \
	tests/integration/test-meters.sh \
	tests/integration/test-of-errors.sh \
	tests/integration/test-buffers.sh \
	tests/integration/test-flow-monitor.sh \
	tests/integration/test-barrier.sh \
	tests/integration/test-revalidation.sh \
	tests/integration/test-osken.sh \
	tests/integration/test-mpls.sh \
	tests/integration/test-hangup.sh \
	tests/integration/test-ctl-limits.sh \
	tests/integration/test-guest-traffic.sh \
	tests/integration/test-isa.sh \
	tests/integration/test-handler.sh \
	tests/integration/test-jumbo.sh \
	tests/integration/test-files.sh \
	tests/integration/test-of-limits.sh \
	tests/integration/test-rewrites.sh \
	tests/integration/test-of-actions.sh \
	tests/integration/test-port-mod.sh \
	tests/integration/test-port-security.sh \
	tests/integration/test-dhcp-snoop.sh \
	tests/integration/test-rate.sh \
	tests/integration/test-queues.sh \
	tests/integration/test-service.sh \
	tests/integration/test-trace.sh \
	tests/integration/test-metrics.sh \
	tests/integration/test-mbufs.sh \
	tests/integration/test-counters.sh \
	tests/integration/test-domain-name.sh \
	tests/integration/test-reload.sh \
	tests/integration/test-capture.sh \
	tests/integration/test-mirror.sh \
	tests/integration/test-pdump.sh
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) tests/integration/lib.sh \
	tests/integration/send-tagged-arp.py tests/integration/of-errors.py \
	tests/integration/osken-switch.py tests/integration/hangup.py \
	tests/integration/udp-echo.py tests/integration/of-flood.py \
	tests/integration/ctl-flood.py tests/integration/mpls-frames.py \
	tests/integration/rewrite-frames.py tests/integration/frames.py \
	tests/integration/spoof.py tests/integration/of-buffers.py \
	tests/integration/flow-monitor.py tests/integration/of-actions.py
# Integration tests share host-wide names (vifD.N): tools/quickstart runs
# make check serially.

# In a build configured with --enable-sanitizers (tools/quickstart
# check-sanitizers): the unit tests, and the integration tests that feed
# the daemon input from outside (configuration files, control requests,
# OpenFlow messages, guests' packets with offloads).
SANITIZER_TESTS = $(UNIT_TESTS) \
	tests/integration/test-config-errors.sh \
	tests/integration/test-ctl-errors.sh \
	tests/integration/test-ctl-limits.sh \
	tests/integration/test-ctl-flow.sh \
	tests/integration/test-files.sh \
	tests/integration/test-hangup.sh \
	tests/integration/test-openflow.sh \
	tests/integration/test-of-errors.sh \
	tests/integration/test-buffers.sh \
	tests/integration/test-flow-monitor.sh \
	tests/integration/test-of-limits.sh \
	tests/integration/test-groups.sh \
	tests/integration/test-meters.sh \
	tests/integration/test-mpls.sh \
	tests/integration/test-rewrites.sh \
	tests/integration/test-of-actions.sh \
	tests/integration/test-queues.sh \
	tests/integration/test-guest-traffic.sh \
	tests/integration/test-isa.sh \
	tests/integration/test-handler.sh \
	tests/integration/test-port-security.sh \
	tests/integration/test-dhcp-snoop.sh \
	tests/integration/test-trace.sh \
	tests/integration/test-reload.sh \
	tests/integration/test-capture.sh \
	tests/integration/test-mirror.sh \
	tests/integration/test-metrics.sh
check-sanitizers:
	@case '$(SANITIZER_FLAGS)' in *address*) ;; \
	*) echo "check-sanitizers: configure with --enable-sanitizers" >&2; \
	   exit 1 ;; esac
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(SANITIZER_TESTS)'
.PHONY: check-sanitizers

# Benchmarks (tests/bench/README.md): not part of "make check"; run as root.
EXTRA_DIST += tests/bench/run-bench tests/bench/gen-pcap.py tests/bench/flowmod-load.py \
	tests/bench/run-guest-bench tests/bench/run-startup-bench
EXTRA_DIST += tests/bench/README.md
BENCH_FLAGS =
bench: all
	top_builddir='$(abs_top_builddir)' $(top_srcdir)/tests/bench/run-bench $(BENCH_FLAGS)
.PHONY: bench
