/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for lib/xvs-config: every error path gets a bad document and
 * the exact message a user would read. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "xvs-config.h"
#include "datapath/dp-classify.h"

static struct xvs_config *
parse_ok(const char *text)
{
    struct xvs_config *cfg;
    char *err;
    int error = xvs_config_parse("t.yaml", text, strlen(text), &cfg, &err);

    if (error) {
        fail_msg("unexpected error: %s", err);
    }
    assert_null(err);
    return cfg;
}

/* Asserts that 'text' is rejected with exactly 'expected'. */
static void
parse_bad(const char *text, const char *expected)
{
    struct xvs_config *cfg = (void *) 1;
    char *err = NULL;
    int error = xvs_config_parse("t.yaml", text, strlen(text), &cfg, &err);

    assert_int_not_equal(error, 0);
    assert_null(cfg);
    assert_non_null(err);
    assert_string_equal(err, expected);
    free(err);
}

static const char *GOOD =
    "dpdk:\n"
    "  args: [\"--no-huge\", \"-m\", \"512\"]\n"
    "pmd:\n"
    "  cores: [1, 3]\n"
    "bridges:\n"
    "  - name: xenbr0\n"
    "    datapath-id: 0x0000000000000001\n"
    "    fail-mode: secure\n"
    "    controllers: [\"tcp:192.0.2.10:6653\"]\n"
    "    listeners: [\"ptcp:6653:127.0.0.1\"]\n"
    "    protocols: [OpenFlow13, OpenFlow15]\n"
    "    ports:\n"
    "      - {name: eth0, type: dpdk, devargs: \"0000:03:00.0\", ofport: 1}\n"
    "      - {name: vif1.0, type: xenvif, trunks: [30, 20], native-vlan: 20}\n"
    "      - {name: vif2.0, type: xenvif, driver: af_packet, ofport: 7,\n"
    "         domid: 2, devid: 0}\n"
    "    flows:\n"
    "      - \"priority=0 actions=NORMAL\"\n"
    "  - name: xenbr1\n";

static void
test_config_parses_full_document(void **state)
{
    struct xvs_config *cfg = parse_ok(GOOD);

    assert_int_equal(cfg->n_dpdk_args, 3);
    assert_string_equal(cfg->dpdk_args[0], "--no-huge");
    assert_int_equal(cfg->n_pmd_cores, 2);
    assert_int_equal(cfg->pmd_cores[1], 3);
    assert_int_equal(cfg->n_bridges, 2);

    struct xvs_bridge_config *br = &cfg->bridges[0];
    assert_string_equal(br->name, "xenbr0");
    assert_int_equal(br->datapath_id, 1);
    assert_int_equal(br->fail_mode, XVS_FAIL_SECURE);
    assert_int_equal(br->n_controllers, 1);
    assert_int_equal(br->n_ports, 3);
    assert_int_equal(br->ports[0].type, XVS_PORT_DPDK);
    assert_string_equal(br->ports[0].devargs, "0000:03:00.0");
    assert_int_equal(br->ports[0].ofport, 1);
    assert_int_equal(br->ports[0].line, 13);
    /* No ofport: the lowest free one. */
    assert_int_equal(br->ports[1].ofport, 2);
    assert_int_equal(br->ports[2].driver, XVS_VIF_AF_PACKET);
    assert_int_equal(br->ports[2].ofport, 7);
    assert_int_equal(br->ports[2].domid, 2);
    assert_int_equal(br->ports[2].devid, 0);
    assert_int_equal(br->ports[1].domid, -1);
    assert_int_equal(br->ports[1].n_trunks, 2);
    assert_int_equal(br->ports[1].trunks[0], 20);  /* Sorted. */
    assert_int_equal(br->ports[1].native_vlan, 20);
    assert_int_equal(br->n_flows, 1);
    assert_int_equal(br->flows[0].line, 18);

    /* Defaults. */
    assert_int_equal(cfg->bridges[1].fail_mode, XVS_FAIL_STANDALONE);
    assert_true(cfg->bridges[1].internal_port);
    assert_int_not_equal(cfg->bridges[1].datapath_id, 0);
    xvs_config_free(cfg);
}

static void
test_config_defaults_for_empty_document(void **state)
{
    struct xvs_config *cfg = parse_ok("");

    assert_int_equal(cfg->n_bridges, 0);
    assert_int_equal(cfg->n_pmd_cores, 1);
    assert_int_equal(cfg->pmd_cores[0], 1);
    assert_int_equal(cfg->pmd_max_sleep_us, 250);
    assert_int_equal(cfg->emc_entries, 8192);
    assert_int_equal(cfg->emc_insert_inv_prob, 100);
    assert_int_equal(cfg->max_megaflows, 200000);
    assert_int_equal(cfg->megaflow_idle_ms, 10000);
    xvs_config_free(cfg);
}

static void
test_config_reads_cache_settings(void **state)
{
    struct xvs_config *cfg = parse_ok(
        "pmd: {cores: [1], max-sleep-us: 0, upcall-share: 25}\n"
        "cache:\n  emc-entries: 0\n  emc-insert-inv-prob: 1\n"
        "  max-megaflows: 5000\n  megaflow-idle-ms: 2000\n");

    assert_int_equal(cfg->pmd_max_sleep_us, 0);
    assert_int_equal(cfg->pmd_upcall_share, 25);
    assert_int_equal(cfg->emc_entries, 0);
    assert_int_equal(cfg->emc_insert_inv_prob, 1);
    assert_int_equal(cfg->max_megaflows, 5000);
    assert_int_equal(cfg->megaflow_idle_ms, 2000);
    xvs_config_free(cfg);

    parse_bad("cache:\n  max-megaflows: 0\n",
              "t.yaml:2: cache.max-megaflows: expected an integer "
              "1-10000000, got \"0\"");
    parse_bad("cache:\n  emc-entries: 2000000\n",
              "t.yaml:2: cache.emc-entries: expected an integer 0-1048576, "
              "got \"2000000\"");
    parse_bad("cache:\n  emc-size: 10\n",
              "t.yaml:2: cache.emc-size: unknown key (expected one of: "
              "emc-entries, emc-insert-inv-prob, max-megaflows, "
              "megaflow-idle-ms)");
    parse_bad("pmd:\n  max-sleep-us: -1\n",
              "t.yaml:2: pmd.max-sleep-us: expected an integer 0-100000, "
              "got \"-1\"");
    parse_bad("pmd:\n  upcall-share: 0\n",
              "t.yaml:2: pmd.upcall-share: expected an integer 1-100, "
              "got \"0\"");
    cfg = parse_ok("pmd: {cores: [1]}\n");
    assert_int_equal(cfg->pmd_upcall_share, 8);
    assert_int_equal(cfg->pmd_isa, DP_ISA_AUTO);
    xvs_config_free(cfg);

    cfg = parse_ok("pmd: {isa: avx512}\n");
    assert_int_equal(cfg->pmd_isa, DP_ISA_AVX512);
    xvs_config_free(cfg);
    cfg = parse_ok("pmd: {isa: baseline}\n");
    assert_int_equal(cfg->pmd_isa, DP_ISA_BASELINE);
    xvs_config_free(cfg);
    parse_bad("pmd:\n  isa: sse4\n",
              "t.yaml:2: pmd.isa: expected auto, baseline, avx2 or avx512, "
              "got \"sse4\"");
    parse_bad("pmd:\n  isa: [avx2]\n",
              "t.yaml:2: pmd.isa: expected auto, baseline, avx2 or avx512, "
              "got a list");
}

/* pmd.handler-core: auto (default), none or a core; pmd.handler-misses;
 * both saved and read back. */
static void
test_config_reads_handler(void **state)
{
    struct xvs_config *cfg = parse_ok("pmd: {cores: [1]}\n"), *back;
    char path[] = "/tmp/xvs-test-config-XXXXXX";
    int fd;
    char *err;

    assert_int_equal(cfg->pmd_handler_core, XVS_HANDLER_AUTO);
    assert_int_equal(cfg->pmd_handler_misses, 20000);
    xvs_config_free(cfg);

    cfg = parse_ok("pmd: {handler-core: none}\n");
    assert_int_equal(cfg->pmd_handler_core, XVS_HANDLER_NONE);
    xvs_config_free(cfg);

    cfg = parse_ok("pmd: {handler-core: 3, handler-misses: 500}\n");
    assert_int_equal(cfg->pmd_handler_core, 3);
    assert_int_equal(cfg->pmd_handler_misses, 500);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(xvs_config_save(cfg, path, &err), 0);
    assert_int_equal(xvs_config_load(path, &back, &err), 0);
    unlink(path);
    assert_int_equal(back->pmd_handler_core, 3);
    assert_int_equal(back->pmd_handler_misses, 500);
    xvs_config_free(back);
    cfg->pmd_handler_core = XVS_HANDLER_NONE;
    fd = mkstemp(strcpy(path, "/tmp/xvs-test-config-XXXXXX"));
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(xvs_config_save(cfg, path, &err), 0);
    assert_int_equal(xvs_config_load(path, &back, &err), 0);
    unlink(path);
    assert_int_equal(back->pmd_handler_core, XVS_HANDLER_NONE);
    xvs_config_free(back);
    xvs_config_free(cfg);

    parse_bad("pmd:\n  handler-core: fast\n",
              "t.yaml:2: pmd.handler-core: expected auto, none or a core "
              "number (0-1023), got \"fast\"");
    parse_bad("pmd:\n  handler-core: [0]\n",
              "t.yaml:2: pmd.handler-core: expected auto, none or a core "
              "number (0-1023), got a list");
    parse_bad("pmd:\n  handler-core: 1024\n",
              "t.yaml:2: pmd.handler-core: expected an integer 0-1023, "
              "got \"1024\"");
    parse_bad("pmd:\n  handler-misses: 0\n",
              "t.yaml:2: pmd.handler-misses: expected an integer "
              "1-100000000, got \"0\"");
}

/* dpdk.mbufs: 0 (sized by the daemon) or 4095-16777215; saved only when
 * set, and read back. */
static void
test_config_reads_dpdk_mbufs(void **state)
{
    struct xvs_config *cfg = parse_ok("dpdk:\n  mbufs: 1048575\n"
                                      "bridges:\n  - name: br0\n"
                                      "    mac-table-size: 20000\n"), *back;
    char path[] = "/tmp/xvs-test-config-XXXXXX";
    int fd = mkstemp(path);
    char *err;

    assert_int_equal(cfg->dpdk_mbufs, 1048575);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(xvs_config_save(cfg, path, &err), 0);
    assert_int_equal(xvs_config_load(path, &back, &err), 0);
    unlink(path);
    assert_int_equal(back->dpdk_mbufs, 1048575);
    assert_int_equal(back->bridges[0].mac_table_size, 20000);
    xvs_config_free(back);
    xvs_config_free(cfg);

    cfg = parse_ok("dpdk: {mbufs: 0}\n");
    assert_int_equal(cfg->dpdk_mbufs, 0);
    xvs_config_free(cfg);
    cfg = parse_ok("pmd: {cores: [1]}\n");
    assert_int_equal(cfg->dpdk_mbufs, 0);
    xvs_config_free(cfg);

    parse_bad("dpdk:\n  mbufs: 1000\n",
              "t.yaml:2: dpdk.mbufs: expected 0 (sized from the ports) or at "
              "least 4095 mbufs, got 1000");
    parse_bad("dpdk:\n  mbufs: 16777216\n",
              "t.yaml:2: dpdk.mbufs: expected an integer 0-16777215, got "
              "\"16777216\"");
    parse_bad("dpdk:\n  mbufs: many\n",
              "t.yaml:2: dpdk.mbufs: expected an integer 0-16777215, got "
              "\"many\"");
    cfg = parse_ok("bridges:\n  - name: br0\n    mac-table-size: 20000\n");
    assert_int_equal(cfg->bridges[0].mac_table_size, 20000);
    xvs_config_free(cfg);
    parse_bad("bridges:\n  - name: br0\n    mac-table-size: 0\n",
              "t.yaml:3: bridges[0].mac-table-size: expected an integer "
              "1-1000000, got \"0\"");
    parse_bad("dpdk:\n  buffers: 5\n",
              "t.yaml:2: dpdk.buffers: unknown key (expected one of: args, "
              "mbufs)");
}

static void
test_config_rejects_yaml_syntax_error(void **state)
{
    parse_bad("bridges:\n  - name: [x\n",
              "t.yaml:3: YAML syntax error: did not find expected ',' or ']' "
              "while parsing a flow sequence");
}

static void
test_config_rejects_unknown_top_key(void **state)
{
    parse_bad("pmd:\n  cores: [1]\nbrigdes: []\n",
              "t.yaml:3: brigdes: unknown key (expected one of: dpdk, pmd, cache, "
              "ssl, metrics, bridges)");
}

static void
test_config_rejects_duplicate_key(void **state)
{
    parse_bad("pmd: {cores: [1]}\npmd: {cores: [2]}\n",
              "t.yaml:2: pmd: duplicate key");
}

static void
test_config_rejects_non_mapping_root(void **state)
{
    parse_bad("- a\n- b\n", "t.yaml:1: (top level): expected a mapping, got a list");
}

static void
test_config_rejects_lcore_args(void **state)
{
    parse_bad("dpdk:\n  args: [\"-l\", \"0-1\"]\n",
              "t.yaml:2: dpdk.args[0]: \"-l\" is set by xvs-switchd from "
              "pmd.cores; remove it");
    parse_bad("dpdk:\n  args: [\"--no-huge\", \"-c0x3\"]\n",
              "t.yaml:2: dpdk.args[1]: \"-c0x3\" is set by xvs-switchd from "
              "pmd.cores; remove it");
}

static void
test_config_rejects_non_string_arg(void **state)
{
    parse_bad("dpdk:\n  args: [[1]]\n",
              "t.yaml:2: dpdk.args[0]: expected a string, got a list");
}

static void
test_config_rejects_bad_core(void **state)
{
    parse_bad("pmd:\n  cores: [1, x]\n",
              "t.yaml:2: pmd.cores[1]: expected an integer 0-1023, got "
              "\"x\"");
    parse_bad("pmd:\n  cores: [2, 2]\n",
              "t.yaml:2: pmd.cores[1]: core 2 is listed twice");
    parse_bad("pmd:\n  cores: []\n",
              "t.yaml:2: pmd.cores: expected at least one core");
    parse_bad("pmd:\n  cores: 1\n",
              "t.yaml:2: pmd.cores: expected a list of cores, got \"1\"");
}

/* Integers are decimal or 0x-hexadecimal, never octal. */
static void
test_config_reads_decimal_and_hex_integers(void **state)
{
    struct xvs_config *cfg = parse_ok(
        "pmd: {cores: [010]}\nbridges:\n  - name: b\n"
        "    datapath-id: 0xA\n");

    assert_int_equal(cfg->pmd_cores[0], 10);
    assert_int_equal(cfg->bridges[0].datapath_id, 10);
    xvs_config_free(cfg);
    parse_bad("bridges:\n  - name: b\n    datapath-id: 0x\n",
              "t.yaml:3: bridges[0].datapath-id: expected an integer "
              "1-18446744073709551615, got \"0x\"");
}

static void
test_config_rejects_bad_bridge(void **state)
{
    parse_bad("bridges: {name: x}\n",
              "t.yaml:1: bridges: expected a list of bridges, got a mapping");
    parse_bad("bridges:\n  - ports: []\n",
              "t.yaml:2: bridges[0]: missing key \"name\"");
    parse_bad("bridges:\n  - name: a-very-long-bridge-name\n",
              "t.yaml:2: bridges[0].name: invalid name "
              "\"a-very-long-bridge-name\": longer than 15 characters");
    parse_bad("bridges:\n  - name: \"br 0\"\n",
              "t.yaml:2: bridges[0].name: invalid name \"br 0\": may contain "
              "only letters, digits, '_', '.' and '-'");
    parse_bad("bridges:\n  - name: br0\n    internal-port: yes\n",
              "t.yaml:3: bridges[0].internal-port: expected true or false, "
              "got \"yes\"");
    parse_bad("bridges:\n  - name: br0\n    fail-mode: open\n",
              "t.yaml:3: bridges[0].fail-mode: expected standalone or secure, "
              "got \"open\"");
    parse_bad("bridges:\n  - name: br0\n    datapath-id: 0\n",
              "t.yaml:3: bridges[0].datapath-id: expected an integer "
              "1-18446744073709551615, got \"0\"");
    parse_bad("bridges:\n  - name: br0\n    controllers: [\"http://x\"]\n",
              "t.yaml:3: bridges[0].controllers[0]: expected a tcp:, ssl: or "
              "unix: target, got \"http://x\"");
    parse_bad("bridges:\n  - name: br0\n    listeners: [\"tcp:1.2.3.4\"]\n",
              "t.yaml:3: bridges[0].listeners[0]: expected a ptcp:, pssl: or "
              "punix: listener, got \"tcp:1.2.3.4\"");
    parse_bad("bridges:\n  - name: br0\n    protocols: [OpenFlow13, OF9]\n",
              "t.yaml:3: bridges[0].protocols[1]: expected OpenFlow10, "
              "OpenFlow11, OpenFlow12, OpenFlow13, OpenFlow14 or OpenFlow15, "
              "got \"OF9\"");
    parse_bad("bridges:\n  - name: br0\n    protocols: []\n",
              "t.yaml:3: bridges[0].protocols: at least one OpenFlow version "
              "is needed");
    parse_bad("ssl:\n  private-key: /nonexistent/key.pem\n",
              "t.yaml:2: ssl.private-key: cannot read /nonexistent/key.pem: "
              "No such file or directory");
    parse_bad("ssl:\n  ca: /etc/hostname\n",
              "t.yaml:2: ssl.ca: unknown key (expected one of: private-key, "
              "certificate, ca-cert)");
    parse_bad("bridges:\n  - name: br0\n  - name: br0\n",
              "t.yaml:3: bridges[1].name: bridge \"br0\" is defined twice "
              "(first at line 2)");
    parse_bad("bridges:\n  - name: br0\n    flows: [[1]]\n",
              "t.yaml:3: bridges[0].flows[0]: expected a string, got a list");
}

static void
test_config_reads_bridge_mtu(void **state)
{
    struct xvs_config *cfg = parse_ok("bridges:\n  - name: br0\n"
                                      "    mtu: 9000\n");

    assert_int_equal(cfg->bridges[0].mtu, 9000);
    xvs_config_free(cfg);
    parse_bad("bridges:\n  - name: br0\n    mtu: 67\n",
              "t.yaml:3: bridges[0].mtu: expected an integer 68-9216, "
              "got \"67\"");
    parse_bad("bridges:\n  - name: br0\n    mtu: 9217\n",
              "t.yaml:3: bridges[0].mtu: expected an integer 68-9216, "
              "got \"9217\"");
    parse_bad("bridges:\n  - name: br0\n    mtu: jumbo\n",
              "t.yaml:3: bridges[0].mtu: expected an integer 68-9216, "
              "got \"jumbo\"");
}

static void
test_config_rejects_bad_port(void **state)
{
    parse_bad("bridges:\n  - name: br0\n    ports:\n      - {type: xenvif}\n",
              "t.yaml:4: bridges[0].ports[0]: missing key \"name\"");
    parse_bad("bridges:\n  - name: br0\n    ports:\n      - {name: v}\n",
              "t.yaml:4: bridges[0].ports[0]: missing key \"type\" (dpdk, "
              "xenvif or internal)");
    parse_bad("bridges:\n  - name: br0\n    ports:\n"
              "      - {name: v, type: vhost}\n",
              "t.yaml:4: bridges[0].ports[0].type: expected one of dpdk, "
              "xenvif, internal, got \"vhost\"");
    parse_bad("bridges:\n  - name: br0\n    ports:\n"
              "      - {name: e, type: dpdk}\n",
              "t.yaml:4: bridges[0].ports[0]: a dpdk port needs \"devargs\" "
              "(a PCI address or a vdev string such as net_null0)");
    parse_bad("bridges:\n  - name: br0\n    ports:\n"
              "      - {name: v, type: xenvif, devargs: x}\n",
              "t.yaml:4: bridges[0].ports[0].devargs: only dpdk ports take "
              "devargs");
    parse_bad("bridges:\n  - name: br0\n    ports:\n"
              "      - {name: v, type: internal, driver: af_xdp}\n",
              "t.yaml:4: bridges[0].ports[0].driver: only xenvif ports take "
              "a driver");
    parse_bad("bridges:\n  - name: br0\n    ports:\n"
              "      - {name: v, type: xenvif, driver: netmap}\n",
              "t.yaml:4: bridges[0].ports[0].driver: expected one of auto, "
              "vnet, af_xdp, af_packet, got \"netmap\"");
    parse_bad("bridges:\n  - name: br0\n    ports:\n"
              "      - {name: v, type: xenvif, ofport: x}\n",
              "t.yaml:4: bridges[0].ports[0].ofport: expected an integer "
              "1-65279, got \"x\"");
    parse_bad("bridges:\n  - name: br0\n    ports:\n"
              "      - {name: e, type: dpdk, devargs: \"\"}\n",
              "t.yaml:4: bridges[0].ports[0].devargs: must not be empty");
    parse_bad("bridges:\n  - name: br0\n    ports:\n"
              "      - {name: v, type: xenvif, ofport: 65280}\n",
              "t.yaml:4: bridges[0].ports[0].ofport: expected an integer "
              "1-65279, got \"65280\"");
    parse_bad("bridges:\n  - name: br0\n    ports:\n"
              "      - {name: v, type: xenvif, speed: 10}\n",
              "t.yaml:4: bridges[0].ports[0].speed: unknown key (expected "
              "one of: name, type, devargs, driver, ofport, domid, devid, "
              "vlan, trunks, native-vlan, mac, ip, allowed-addresses, "
              "port-security, rate, vm-uuid, vm-name, queues)");
    parse_bad("bridges:\n  - name: br0\n    ports:\n"
              "      - {name: v, type: xenvif, domid: 32752}\n",
              "t.yaml:4: bridges[0].ports[0].domid: expected an integer "
              "0-32751, got \"32752\"");
    parse_bad("bridges:\n  - name: br0\n    ports:\n"
              "      - {name: n, type: dpdk, devargs: net_null0, devid: 1}\n",
              "t.yaml:4: bridges[0].ports[0].devid: only xenvif ports take "
              "a devid");
    parse_bad("bridges:\n  - name: br0\n    ports:\n"
              "      - {name: v, type: xenvif, vlan: 4095}\n",
              "t.yaml:4: bridges[0].ports[0].vlan: expected an integer "
              "1-4094, got \"4095\"");
    parse_bad("bridges:\n  - name: br0\n    ports:\n"
              "      - {name: v, type: xenvif, vlan: 10, trunks: [20]}\n",
              "t.yaml:4: bridges[0].ports[0]: a port is an access port (vlan) "
              "or a trunk (trunks), not both");
    parse_bad("bridges:\n  - name: br0\n    ports:\n"
              "      - {name: v, type: xenvif, native-vlan: 10}\n",
              "t.yaml:4: bridges[0].ports[0]: native-vlan needs trunks");
    parse_bad("bridges:\n  - name: br0\n    ports:\n"
              "      - {name: v, type: xenvif, trunks: [10, 20, 10]}\n",
              "t.yaml:4: bridges[0].ports[0].trunks[2]: VLAN 10 is listed "
              "twice");
    parse_bad("bridges:\n  - name: br0\n    ports:\n"
              "      - {name: v, type: xenvif, trunks: []}\n",
              "t.yaml:4: bridges[0].ports[0].trunks: expected at least one "
              "VLAN");
}

static void
test_config_rejects_port_conflicts(void **state)
{
    parse_bad("bridges:\n  - name: br0\n    ports:\n"
              "      - {name: a, type: xenvif, ofport: 3}\n"
              "      - {name: b, type: xenvif, ofport: 3}\n",
              "t.yaml:5: bridges[0].ports[1].ofport: ofport 3 is already "
              "used by port a");
    parse_bad("bridges:\n  - name: br0\n    ports:\n"
              "      - {name: a, type: xenvif}\n"
              "  - name: br1\n    ports:\n"
              "      - {name: a, type: xenvif}\n",
              "t.yaml:7: bridges[1].ports[0].name: port \"a\" is already in "
              "bridge br0 (line 4)");
    parse_bad("bridges:\n  - name: br0\n    ports:\n"
              "      - {name: br0, type: xenvif}\n",
              "t.yaml:4: bridges[0].ports[0].name: only an internal port may "
              "be named after its bridge");
}

static void
test_config_rejects_second_document(void **state)
{
    parse_bad("pmd: {cores: [1]}\n---\npmd: {cores: [2]}\n",
              "t.yaml:3: a second YAML document; put everything in one");
}

static void
test_config_load_names_missing_file(void **state)
{
    struct xvs_config *cfg;
    char *err;

    assert_int_not_equal(xvs_config_load("/nonexistent/xvs.yaml", &cfg,
                                         &err), 0);
    assert_string_equal(err, "/nonexistent/xvs.yaml: cannot open: No such "
                        "file or directory");
    free(err);
}

/* What is saved loads back to the same configuration. */
static const char *GUEST =
    "bridges:\n"
    "  - name: xenbr0\n"
    "    ports:\n"
    "      - name: vif3.0\n"
    "        type: xenvif\n"
    "        mac: \"00:16:3e:00:00:03\"\n"
    "        ip: [\"192.0.2.3\", \"2001:db8::/64\"]\n"
    "        allowed-addresses: [\"192.0.2.100\", \"00:16:3e:00:00:99\"]\n"
    "        rate: 10Mb/s\n"
    "        vm-uuid: \"1b2c3d4e-0000-4000-8000-00163e000003\"\n"
    "        vm-name: \"web 3\"\n"
    "        queues:\n"
    "          7: 1Gb/s@10ms\n"
    "          1: \"62500,50000\"\n"
    "      - {name: vif4.0, type: xenvif, mac: \"00:16:3e:00:00:04\",\n"
    "         ip: \"192.0.2.4 192.0.2.44\", port-security: false,\n"
    "         rate: \"62500,50000\"}\n"
    "      - {name: eth0, type: dpdk, devargs: net_null0, rate: 1GB/s@1ms,\n"
    "         port-security: true, allowed-addresses: [\"02:00:00:00:00:01\"]}\n";

static void
test_config_reads_guest_settings(void **state)
{
    struct xvs_config *cfg = parse_ok(GUEST);
    const struct xvs_port_guest *g = &cfg->bridges[0].ports[0].guest;
    char buf[96];

    assert_true(g->has_mac);
    assert_int_equal(g->mac[5], 3);
    assert_int_equal(g->n_ips, 2);
    xvs_format_addr(&g->ips[1], buf);
    assert_string_equal(buf, "2001:db8::/64");
    assert_int_equal(g->n_allowed, 2);
    assert_int_equal(g->allowed[1].kind, XVS_ADDR_MAC);
    assert_true(xvs_port_guest_secured(g));
    /* 10 Mbit/s in xl's default 50 ms intervals. */
    assert_int_equal(g->rate_bytes, 62500);
    assert_int_equal(g->rate_usecs, 50000);
    assert_string_equal(g->vm_name, "web 3");
    /* Queues, by id whatever the order written. */
    assert_int_equal(g->n_queues, 2);
    assert_int_equal(g->queues[0].id, 1);
    assert_int_equal(xvs_rate_bps(g->queues[0].rate_bytes,
                                  g->queues[0].rate_usecs), 10000000);
    assert_string_equal(g->queues[0].rate_text, "62500,50000");
    assert_int_equal(g->queues[1].id, 7);
    assert_int_equal(g->queues[1].rate_bytes, 1250000);
    assert_int_equal(g->queues[1].rate_usecs, 10000);

    g = &cfg->bridges[0].ports[1].guest;
    assert_int_equal(g->n_queues, 0);
    assert_int_equal(g->n_ips, 2);
    assert_false(xvs_port_guest_secured(g));
    assert_int_equal(g->rate_bytes, 62500);

    g = &cfg->bridges[0].ports[2].guest;
    assert_true(xvs_port_guest_secured(g));
    assert_int_equal(g->rate_bytes, 1000000);
    assert_int_equal(g->rate_usecs, 1000);
    xvs_format_rate(g->rate_bytes, g->rate_usecs, buf);
    assert_string_equal(buf, "8 Gbit/s (1000000 bytes per 1000 us)");
    xvs_config_free(cfg);
}

static void
test_config_rejects_bad_guest_settings(void **state)
{
#define PORT "bridges:\n  - name: br0\n    ports:\n      - {name: v, " \
             "type: xenvif, "
    parse_bad(PORT "mac: \"00:16:3e:00:00\"}\n",
              "t.yaml:4: bridges[0].ports[0].mac: expected a MAC address "
              "(xx:xx:xx:xx:xx:xx), got \"00:16:3e:00:00\"");
    parse_bad(PORT "mac: \"ff:ff:ff:ff:ff:ff\"}\n",
              "t.yaml:4: bridges[0].ports[0].mac: ff:ff:ff:ff:ff:ff is a "
              "multicast address, not a guest's");
    parse_bad(PORT "ip: [\"192.0.2.1\", \"192.0.2.256\"]}\n",
              "t.yaml:4: bridges[0].ports[0].ip[1]: expected an IPv4 or "
              "IPv6 address or prefix, or dhcp or dhcp6, got \"192.0.2.256\"");
    parse_bad(PORT "allowed-addresses: [dhcp]}\n",
              "t.yaml:4: bridges[0].ports[0].allowed-addresses[0]: expected "
              "an IPv4 or IPv6 address or prefix or a MAC address, got "
              "\"dhcp\"");
    parse_bad(PORT "ip: \"192.0.2.1/24\"}\n",
              "t.yaml:4: bridges[0].ports[0].ip: \"192.0.2.1/24\": the "
              "address has bits set beyond its /24 prefix");
    parse_bad(PORT "ip: [\"192.0.2.1\", \"192.0.2.1\"]}\n",
              "t.yaml:4: bridges[0].ports[0].ip: 192.0.2.1 is listed twice");
    parse_bad(PORT "ip: [\"00:16:3e:00:00:01\"]}\n",
              "t.yaml:4: bridges[0].ports[0].ip[0]: expected an IPv4 or "
              "IPv6 address or prefix, or dhcp or dhcp6, got \"00:16:3e:00:00:01\"");
    parse_bad(PORT "rate: 10Mb}\n",
              "t.yaml:4: bridges[0].ports[0].rate: expected a rate such as "
              "10Mb/s, 1MB/s@20ms or BYTES,USECS, got \"10Mb\"");
    parse_bad(PORT "rate: \"8b/s@1us\"}\n",
              "t.yaml:4: bridges[0].ports[0].rate: rate \"8b/s@1us\" "
              "allows less than a byte per interval: give a longer "
              "interval");
    parse_bad(PORT "rate: 1MB/s@11s}\n",
              "t.yaml:4: bridges[0].ports[0].rate: rate \"1MB/s@11s\": the "
              "interval must be 1 us to 10 s");
    parse_bad(PORT "queues: {1: 10Mbit}}\n",
              "t.yaml:4: bridges[0].ports[0].queues.1: expected a rate such "
              "as 10Mb/s, 1MB/s@20ms or BYTES,USECS, got \"10Mbit\"");
    parse_bad(PORT "queues: {1: 10Mb/s, x: 1Mb/s}}\n",
              "t.yaml:4: bridges[0].ports[0].queues.x: expected a queue id "
              "(0 to 4294967294), got \"x\"");
    parse_bad(PORT "queues: {4294967295: 1Mb/s}}\n",
              "t.yaml:4: bridges[0].ports[0].queues.4294967295: queue id "
              "4294967295 is not 0 to 4294967294");
    parse_bad(PORT "queues: {2: 800b/s}}\n",
              "t.yaml:4: bridges[0].ports[0].queues.2: rate \"800b/s\" is "
              "below 1 kbit/s");
    parse_bad(PORT "queues: {2: 1Mb/s, 02: 2Mb/s}}\n",
              "t.yaml:4: bridges[0].ports[0].queues: queue 2 is listed "
              "twice");
    parse_bad(PORT "queues: [1, 10Mb/s]}\n",
              "t.yaml:4: bridges[0].ports[0].queues: expected a mapping of "
              "queue id to max-rate, such as {1: 10Mb/s}, got a list");
    parse_bad(PORT "port-security: maybe}\n",
              "t.yaml:4: bridges[0].ports[0].port-security: expected on, "
              "off or default, got \"maybe\"");
    parse_bad(PORT "port-security: true}\n",
              "t.yaml:4: bridges[0].ports[0]: port-security on needs the "
              "guest's mac (or a MAC in allowed-addresses): without one it "
              "would drop everything");
    parse_bad(PORT "vm-uuid: 1234}\n",
              "t.yaml:4: bridges[0].ports[0].vm-uuid: expected a uuid "
              "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), got \"1234\"");
    parse_bad("bridges:\n  - name: br0\n    ports:\n"
              "      - {name: e, type: dpdk, devargs: net_null0, "
              "vm-name: x}\n",
              "t.yaml:4: bridges[0].ports[0].vm-name: only xenvif ports take "
              "a vm-name");
#undef PORT
}

static void
test_config_save_round_trips_guest_settings(void **state)
{
    struct xvs_config *cfg = parse_ok(GUEST), *back;
    char path[] = "/tmp/xvs-test-config-XXXXXX";
    int fd = mkstemp(path);
    char *err;

    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(xvs_config_save(cfg, path, &err), 0);
    assert_int_equal(xvs_config_load(path, &back, &err), 0);
    unlink(path);
    for (int i = 0; i < 3; i++) {
        const struct xvs_port_guest *a = &cfg->bridges[0].ports[i].guest;
        const struct xvs_port_guest *b = &back->bridges[0].ports[i].guest;

        assert_int_equal(a->has_mac, b->has_mac);
        assert_memory_equal(a->mac, b->mac, 6);
        assert_int_equal(a->n_ips, b->n_ips);
        assert_memory_equal(a->ips, b->ips, a->n_ips * sizeof *a->ips);
        assert_int_equal(a->n_allowed, b->n_allowed);
        assert_memory_equal(a->allowed, b->allowed,
                            a->n_allowed * sizeof *a->allowed);
        assert_int_equal(a->security, b->security);
        assert_int_equal(a->rate_bytes, b->rate_bytes);
        assert_int_equal(a->rate_usecs, b->rate_usecs);
        assert_true(xvs_port_guest_equal(a, b));
    }
    assert_int_equal(back->bridges[0].ports[0].guest.n_queues, 2);
    assert_string_equal(back->bridges[0].ports[0].guest.queues[1].rate_text,
                        "1Gb/s@10ms");
    assert_string_equal(back->bridges[0].ports[0].guest.vm_uuid,
                        "1b2c3d4e-0000-4000-8000-00163e000003");
    assert_string_equal(back->bridges[0].ports[0].guest.vm_name, "web 3");
    xvs_config_free(cfg);
    xvs_config_free(back);
}

static void
test_config_save_round_trips(void **state)
{
    struct xvs_config *cfg = parse_ok(GOOD), *back;
    char path[] = "/tmp/xvs-test-config-XXXXXX";
    int fd = mkstemp(path);
    char *err;

    assert_true(fd >= 0);
    close(fd);

    cfg->bridges[0].mtu = 9000;
    /* Strings that need quoting survive. */
    free(cfg->bridges[0].flows[0].text);
    cfg->bridges[0].flows[0].text = strdup("priority=5,actions=note:\"a\\b\"");
    assert_int_equal(xvs_config_save(cfg, path, &err), 0);
    assert_int_equal(xvs_config_load(path, &back, &err), 0);
    unlink(path);

    assert_int_equal(back->n_bridges, 2);
    assert_int_equal(back->n_pmd_cores, 2);
    assert_int_equal(back->n_dpdk_args, 3);
    assert_int_equal(back->emc_entries, 8192);
    assert_int_equal(back->max_megaflows, 200000);
    assert_string_equal(back->dpdk_args[2], "512");
    assert_int_equal(back->bridges[0].datapath_id, 1);
    assert_int_equal(back->bridges[0].fail_mode, XVS_FAIL_SECURE);
    assert_int_equal(back->bridges[0].mtu, 9000);
    assert_int_equal(back->bridges[1].mtu, 0);
    assert_int_equal(back->bridges[0].n_ports, 3);
    assert_string_equal(back->bridges[0].ports[0].devargs, "0000:03:00.0");
    assert_int_equal(back->bridges[0].ports[1].ofport, 2);
    assert_int_equal(back->bridges[0].ports[2].driver, XVS_VIF_AF_PACKET);
    assert_int_equal(back->bridges[0].ports[2].domid, 2);
    assert_int_equal(back->bridges[0].ports[1].devid, -1);
    assert_int_equal(back->bridges[0].ports[1].n_trunks, 2);
    assert_int_equal(back->bridges[0].ports[1].trunks[1], 30);
    assert_int_equal(back->bridges[0].ports[1].native_vlan, 20);
    assert_string_equal(back->bridges[0].flows[0].text,
                        "priority=5,actions=note:\"a\\b\"");
    assert_string_equal(back->bridges[0].controllers[0],
                        "tcp:192.0.2.10:6653");
    assert_int_equal(back->bridges[0].n_listeners, 1);
    assert_string_equal(back->bridges[0].listeners[0], "ptcp:6653:127.0.0.1");
    assert_int_equal(back->bridges[0].protocols, (1 << 4) | (1 << 6));
    assert_int_equal(back->bridges[1].protocols, 0);
    xvs_config_free(cfg);
    xvs_config_free(back);
}

static void
test_config_save_failure_leaves_old_file(void **state)
{
    struct xvs_config *cfg = parse_ok(GOOD);
    char *err;

    assert_int_not_equal(xvs_config_save(cfg, "/nonexistent/dir/x.yaml",
                                         &err), 0);
    assert_non_null(strstr(err, "cannot create"));
    free(err);
    xvs_config_free(cfg);
}

/* Saves 'cfg' and loads it back. */
static struct xvs_config *
save_and_load(const struct xvs_config *cfg)
{
    char path[] = "/tmp/xvs-test-config-XXXXXX";
    int fd = mkstemp(path);
    struct xvs_config *back;
    char *err;

    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(xvs_config_save(cfg, path, &err), 0);
    if (xvs_config_load(path, &back, &err)) {
        unlink(path);
        fail_msg("the saved file does not load: %s", err);
    }
    unlink(path);
    return back;
}

/* metrics: numeric IPv4 or bracketed IPv6 with a port; saved and loaded
 * back; anything else refused with the line and what was expected. */
static void
test_config_metrics_listener(void **state)
{
    struct xvs_config *cfg = parse_ok("metrics: 127.0.0.1:9788\n");
    assert_string_equal(cfg->metrics, "127.0.0.1:9788");
    struct xvs_config *back = save_and_load(cfg);
    assert_string_equal(back->metrics, "127.0.0.1:9788");
    xvs_config_free(back);
    xvs_config_free(cfg);

    cfg = parse_ok("metrics: \"[::1]:80\"\n");
    assert_string_equal(cfg->metrics, "[::1]:80");
    xvs_config_free(cfg);
    cfg = parse_ok("pmd: {cores: [1]}\n");
    assert_null(cfg->metrics);
    xvs_config_free(cfg);

    parse_bad("pmd: {cores: [1]}\nmetrics: 9788\n",
              "t.yaml:2: metrics: \"9788\": expected ADDRESS:PORT, e.g. "
              "127.0.0.1:9788 or [::1]:9788");
    parse_bad("metrics: localhost:9788\n",
              "t.yaml:1: metrics: \"localhost:9788\": localhost is not an "
              "IPv4 address (an IPv6 one goes in brackets; no host names)");
    parse_bad("metrics: 127.0.0.1:0\n",
              "t.yaml:1: metrics: \"127.0.0.1:0\": the port must be a number "
              "from 1 to 65535");
    parse_bad("metrics: 127.0.0.1:80x\n",
              "t.yaml:1: metrics: \"127.0.0.1:80x\": the port must be a "
              "number from 1 to 65535");
    parse_bad("metrics: \"[::1:80\"\n",
              "t.yaml:1: metrics: \"[::1:80\": an IPv6 address goes in "
              "brackets, e.g. [::1]:9788");
    parse_bad("metrics: \"[zz]:80\"\n",
              "t.yaml:1: metrics: \"[zz]:80\": zz is not an IPv6 address");
    parse_bad("metrics: [1, 2]\n",
              "t.yaml:1: metrics: expected a string, got a list");
}

/* Mirrors: parsed, saved and loaded back the same. */
static void
test_config_mirrors_round_trip(void **state)
{
    struct xvs_config *cfg = parse_ok(
        "bridges:\n"
        "  - name: br0\n"
        "    mirrors:\n"
        "      - {name: ids, select-src-ports: [vif1.0, vif2.0],\n"
        "         select-dst-ports: [eth0], select-vlans: [0, 10],\n"
        "         output-port: vif9.0}\n"
        "      - {name: all, select-all: true, output-port: tap0}\n");
    struct xvs_config *back = save_and_load(cfg);

    for (int k = 0; k < 2; k++) {
        const struct xvs_bridge_config *b = k ? &back->bridges[0]
                                              : &cfg->bridges[0];
        assert_int_equal(b->n_mirrors, 2);
        const struct xvs_mirror_config *m = &b->mirrors[0];
        assert_string_equal(m->name, "ids");
        assert_false(m->select_all);
        assert_int_equal(m->n_src, 2);
        assert_string_equal(m->src[1], "vif2.0");
        assert_int_equal(m->n_dst, 1);
        assert_string_equal(m->dst[0], "eth0");
        assert_int_equal(m->n_vlans, 2);
        assert_int_equal(m->vlans[1], 10);
        assert_string_equal(m->output, "vif9.0");
        assert_true(b->mirrors[1].select_all);
        assert_string_equal(b->mirrors[1].output, "tap0");
    }
    xvs_config_free(back);
    struct xvs_config *clone = xvs_config_clone(cfg);
    assert_string_equal(clone->bridges[0].mirrors[0].src[0], "vif1.0");
    xvs_config_free(clone);
    xvs_config_free(cfg);

    parse_bad("bridges:\n  - name: br0\n    mirrors:\n"
              "      - {name: m, select-vlans: [5000], select-all: true, "
              "output-port: p}\n",
              "t.yaml:4: bridges[0].mirrors[0].select-vlans[0]: expected an "
              "integer 0-4094, got \"5000\"");
}

/* Found by tests/fuzz/fuzz-config: YAML folds or refuses some characters
 * written raw (C1 controls, NEL, line separators, non-characters), and an
 * empty bridge list was written as a null. */
static void
test_config_save_round_trips_any_text(void **state)
{
    struct xvs_config *cfg = parse_ok(
        "bridges:\n"
        "  - name: br0\n"
        "    flows: [\"a\\x85b\\x80c\\uffff\\u2028\\ufeff\\x7f"
        "\\t\\\"\\\\ \\u00e9 \\U0001F600\"]\n");
    struct xvs_config *back = save_and_load(cfg);

    assert_string_equal(back->bridges[0].flows[0].text,
                        cfg->bridges[0].flows[0].text);
    assert_string_equal(cfg->bridges[0].flows[0].text,
                        "a\xc2\x85" "b\xc2\x80" "c\xef\xbf\xbf\xe2\x80\xa8"
                        "\xef\xbb\xbf\x7f\t\"\\ \xc3\xa9 \xf0\x9f\x98\x80");
    xvs_config_free(cfg);
    xvs_config_free(back);

    cfg = parse_ok("pmd: {cores: [1]}\n");
    back = save_and_load(cfg);
    assert_int_equal(back->n_bridges, 0);
    xvs_config_free(cfg);
    xvs_config_free(back);
}

static void
test_config_save_does_not_follow_a_planted_symlink(void **state)
{
    struct xvs_config *cfg = parse_ok(GOOD);
    char dir[] = "/tmp/xvs-test-save-XXXXXX";
    char file[128], victim[128], planted[160];
    char *err;

    assert_non_null(mkdtemp(dir));
    snprintf(file, sizeof file, "%s/xvs.yaml", dir);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    FILE *f = fopen(victim, "w");
    assert_non_null(f);
    fputs("precious\n", f);
    fclose(f);
    chmod(victim, 0600);
    /* Where the old code wrote its temporary file, following links. */
    snprintf(planted, sizeof planted, "%s.tmp.%ld", file, (long) getpid());
    assert_int_equal(symlink(victim, planted), 0);

    assert_int_equal(xvs_config_save(cfg, file, &err), 0);

    char buf[64] = "";
    f = fopen(victim, "r");
    assert_non_null(f);
    assert_non_null(fgets(buf, sizeof buf, f));
    fclose(f);
    assert_string_equal(buf, "precious\n");
    struct stat st;
    assert_int_equal(stat(victim, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* The new file is there, readable, and no temporary is left. */
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    unlink(planted);
    unlink(victim);
    unlink(file);
    assert_int_equal(rmdir(dir), 0);
    xvs_config_free(cfg);
}

static void
test_config_rejects_deep_nesting_quickly(void **state)
{
    size_t depth = 100000;
    char *text = malloc(2 * depth + 8);
    char *err = NULL;
    struct xvs_config *cfg;

    memcpy(text, "dpdk: ", 6);
    memset(text + 6, '[', depth);
    memset(text + 6 + depth, ']', depth);
    text[6 + 2 * depth] = '\0';
    assert_int_equal(xvs_config_parse("t.yaml", text, strlen(text), &cfg,
                                      &err), EINVAL);
    assert_null(cfg);
    assert_string_equal(err, "t.yaml:1: nested deeper than 32 levels");
    free(err);
    free(text);
    /* The schema's own depth is well within it. */
    cfg = parse_ok(GOOD);
    xvs_config_free(cfg);
}

/* What xvs-ctl refuses, the file refuses too. */
static void
test_config_validates_like_xvs_ctl(void **state)
{
    char *text = malloc(2048);
    char *big = malloc(1024);
    struct xvs_config *cfg;

    memset(big, 'x', 256);
    big[256] = '\0';
    snprintf(text, 2048, "bridges:\n  - name: br0\n    ports:\n"
             "      - {name: e, type: dpdk, devargs: %s}\n", big);
    parse_bad(text, "t.yaml:4: bridges[0].ports[0].devargs: longer than "
              "255 characters");
    big[255] = '\0';
    snprintf(text, 2048, "bridges:\n  - name: br0\n    ports:\n"
             "      - {name: e, type: dpdk, devargs: %s}\n", big);
    cfg = parse_ok(text);
    xvs_config_free(cfg);

    strcpy(text, "bridges:\n  - name: br0\n    controllers: [");
    for (int i = 0; i < 17; i++) {
        sprintf(text + strlen(text), "%s\"tcp:10.0.0.%d\"", i ? ", " : "",
                i + 1);
    }
    strcat(text, "]\n");
    parse_bad(text, "t.yaml:3: bridges[0].controllers: at most 16 "
              "controllers, got 17");

    parse_bad("ssl:\n  private-key: /tmp\n",
              "t.yaml:2: ssl.private-key: /tmp is not a regular file (a PEM "
              "file was expected)");
    parse_bad("pmd:\n  cores: !!binary AQ==\n",
              "t.yaml:2: unexpected YAML tag tag:yaml.org,2002:binary (this "
              "file takes none)");
    parse_bad("bridges:\n  - name: !secret br0\n",
              "t.yaml:2: unexpected YAML tag !secret (this file takes "
              "none)");
    free(big);
    free(text);
}

static void
test_config_rejects_oversized_text(void **state)
{
    size_t len = XVS_CONFIG_MAX_SIZE + 1;
    char *text = malloc(len);
    char *err = NULL;
    struct xvs_config *cfg;

    memset(text, '#', len);
    assert_int_equal(xvs_config_parse("t.yaml", text, len, &cfg, &err),
                     EFBIG);
    assert_string_equal(err, "t.yaml: too large (more than 16 MiB)");
    free(err);
    free(text);
}

static void
test_config_edits_ports(void **state)
{
    struct xvs_config *cfg = parse_ok(GOOD);
    struct xvs_bridge_config *br = xvs_config_find_bridge(cfg, "xenbr1"), *b;
    struct xvs_port_config pc = { .name = "vif9.0", .type = XVS_PORT_XENVIF,
                                  .ofport = 1 };

    assert_non_null(br);
    assert_null(xvs_config_find_port(cfg, "vif9.0", NULL));
    xvs_config_add_port(br, &pc);
    assert_non_null(xvs_config_find_port(cfg, "vif9.0", &b));
    assert_ptr_equal(b, br);
    assert_int_equal(xvs_config_next_ofport(br), 2);
    assert_true(xvs_config_del_port(br, "vif9.0"));
    assert_false(xvs_config_del_port(br, "vif9.0"));
    xvs_config_free(cfg);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_parses_full_document),
        cmocka_unit_test(test_config_defaults_for_empty_document),
        cmocka_unit_test(test_config_reads_cache_settings),
        cmocka_unit_test(test_config_reads_handler),
        cmocka_unit_test(test_config_reads_dpdk_mbufs),
        cmocka_unit_test(test_config_metrics_listener),
        cmocka_unit_test(test_config_mirrors_round_trip),
        cmocka_unit_test(test_config_rejects_yaml_syntax_error),
        cmocka_unit_test(test_config_reads_guest_settings),
        cmocka_unit_test(test_config_rejects_bad_guest_settings),
        cmocka_unit_test(test_config_save_round_trips_guest_settings),
        cmocka_unit_test(test_config_rejects_unknown_top_key),
        cmocka_unit_test(test_config_rejects_duplicate_key),
        cmocka_unit_test(test_config_rejects_non_mapping_root),
        cmocka_unit_test(test_config_rejects_lcore_args),
        cmocka_unit_test(test_config_rejects_non_string_arg),
        cmocka_unit_test(test_config_rejects_bad_core),
        cmocka_unit_test(test_config_reads_decimal_and_hex_integers),
        cmocka_unit_test(test_config_rejects_bad_bridge),
        cmocka_unit_test(test_config_rejects_bad_port),
        cmocka_unit_test(test_config_rejects_port_conflicts),
        cmocka_unit_test(test_config_rejects_second_document),
        cmocka_unit_test(test_config_load_names_missing_file),
        cmocka_unit_test(test_config_save_round_trips),
        cmocka_unit_test(test_config_save_round_trips_any_text),
        cmocka_unit_test(test_config_save_does_not_follow_a_planted_symlink),
        cmocka_unit_test(test_config_rejects_deep_nesting_quickly),
        cmocka_unit_test(test_config_rejects_oversized_text),
        cmocka_unit_test(test_config_validates_like_xvs_ctl),
        cmocka_unit_test(test_config_reads_bridge_mtu),
        cmocka_unit_test(test_config_save_failure_leaves_old_file),
        cmocka_unit_test(test_config_edits_ports),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
