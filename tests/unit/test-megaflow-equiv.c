/* SPDX-License-Identifier: Apache-2.0 */
/* The megaflow cache decides as the pipeline would.
 *
 * Random rule sets, random packets: every packet is translated through the
 * pipeline (the uncached decision, which is also what learning sees), and
 * looked up in a megaflow cache filled from earlier translations' masks
 * (the cached decision).  Whenever the cache has an answer, it must be the
 * pipeline's.  MAC-table changes drop learned megaflows, as the datapath
 * does.  Rules in tables 1 and 2 match what pop_mpls uncovers and
 * rewrite it; MPLS packets carry IPv4 or IPv6 beneath their labels, and
 * rules copy TTLs between them (copy_ttl_in/out), change the IP protocol
 * before a later table or the Ethertype; PBB frames are matched on their
 * I-SID and popped.  A
 * control run with deliberately too-wide masks shows that the check
 * catches an unsound cache; actions are compared byte for byte (the
 * values of rewrites too).
 *
 * With rule changes: every few packets a random flow_mod (add, modify or
 * delete), after which the cache is revalidated as the datapath does it
 * (pipeline_take_changes(), pipeline_changes_affect() on every megaflow):
 * the megaflows that stay must still decide as the pipeline, and some
 * must stay (else this would only test a flush).  A control run that
 * skips the revalidation shows that stale megaflows are noticed. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "datapath/flow-key.h"
#include "datapath/mfc.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-protocol.h"
#include "ovs-rcu.h"
#include "switchd/ofp-ext.h"
#include "switchd/pipeline.h"
#include "xvs-guest.h"

#define N_PORTS 4
#define DP(OFPORT) (9 + (OFPORT))

static uint32_t rng_state;

static uint32_t
rnd(uint32_t n)
{
    /* xorshift32; deterministic per seed so that failures reproduce. */
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return n ? x % n : 0;
}

static const char *const macs[] = {
    "02:00:00:00:00:01", "02:00:00:00:00:02", "02:00:00:00:00:03",
    "ff:ff:ff:ff:ff:ff",
};
static const uint8_t mac_bytes[][6] = {
    { 2, 0, 0, 0, 0, 1 }, { 2, 0, 0, 0, 0, 2 }, { 2, 0, 0, 0, 0, 3 },
    { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
};
/* Rules use the first 4; packets also come from 0.0.0.0 (DHCP). */
static const uint8_t ip4s[][4] = {
    { 10, 0, 0, 1 }, { 10, 0, 0, 2 }, { 10, 0, 1, 1 }, { 192, 168, 0, 1 },
    { 0, 0, 0, 0 },
};
static const char *const ip4_texts[] = {
    "10.0.0.1", "10.0.0.2", "10.0.1.1", "192.168.0.1",
};
/* Rules use the first 4; packets also DHCP's and DHCPv6's. */
static const uint16_t l4ports[] = { 53, 80, 443, 1000, 67, 68, 546, 547 };

/* ---- Random rules ---------------------------------------------------- */

/* A rule for table 'table' (0 to 2): tables 0 and 1 may pop or push an
 * MPLS label and go on to the next table, which then matches the headers
 * the pop uncovered. */
static void
random_rule(char *buf, size_t size, int table)
{
    static const char *const actions[] = {
        "output:1", "output:2", "output:3", "output:4", "drop", "FLOOD",
        "IN_PORT", "NORMAL", "output:1,output:3", "ALL",
    };
    int n = snprintf(buf, size, "table=%d,priority=%u", table, rnd(6));
    int l3 = rnd(7);            /* 0: none, 1: ip, 2: tcp/udp, 3: arp,
                                 * 4: ipv6, 5: nd, 6: mpls */

#define ADD(...) (n += snprintf(buf + n, size - n, __VA_ARGS__))
    if (rnd(3) == 0) {
        ADD(",in_port=%u", 1 + rnd(N_PORTS));
    }
    if (rnd(4) == 0) {
        ADD(",dl_src=%s", macs[rnd(4)]);
    }
    if (rnd(4) == 0) {
        ADD(",dl_dst=%s", macs[rnd(4)]);
    }
    if (rnd(5) == 0) {
        ADD(rnd(2) ? ",dl_vlan=%u" : ",vlan_tci=0x%x/0x1fff",
            rnd(2) ? 10 : 20 | 0x1000);
    }
    switch (l3) {
    case 1:
        ADD(",ip");
        if (rnd(2)) {
            static const int plens[] = { 8, 16, 24, 32 };
            ADD(",nw_src=%s/%d", ip4_texts[rnd(4)], plens[rnd(4)]);
        }
        if (rnd(2)) {
            ADD(",nw_dst=%s", ip4_texts[rnd(4)]);
        }
        if (rnd(4) == 0) {
            ADD(",nw_tos=%u", rnd(2) * 32);
        }
        if (rnd(4) == 0) {
            ADD(",ip_frag=%s", rnd(2) ? "no" : "yes");
        }
        if (rnd(5) == 0) {
            ADD(",nw_ttl=%u", rnd(2) ? 64 : 5);
        }
        break;
    case 2:
        ADD(rnd(2) ? ",tcp" : ",udp");
        if (rnd(2)) {
            ADD(",tp_dst=%u", l4ports[rnd(4)]);
        }
        if (rnd(3) == 0) {
            ADD(",tp_src=%u", l4ports[rnd(4)]);
        }
        if (rnd(3) == 0) {
            ADD(",nw_dst=%s/24", ip4_texts[rnd(4)]);
        }
        if (n > 0 && strstr(buf, ",tcp") && rnd(3) == 0) {
            ADD(rnd(2) ? ",tcp_flags=+syn" : ",tcp_flags=+ack-syn");
        }
        break;
    case 3:
        ADD(",arp");
        if (rnd(2)) {
            ADD(",arp_op=%u", 1 + rnd(2));
        }
        if (rnd(2)) {
            ADD(",arp_tpa=%s", ip4_texts[rnd(4)]);
        }
        if (rnd(3) == 0) {
            ADD(",arp_sha=%s", macs[rnd(3)]);
        }
        break;
    case 4:
        ADD(",ipv6");
        if (rnd(2)) {
            ADD(",ipv6_dst=2001:db8::%u", 1 + rnd(3));
        }
        if (rnd(2)) {
            ADD(",icmp6,icmp_type=%u", rnd(2) ? 128 : 135);
        }
        if (rnd(4) == 0) {
            ADD(",ipv6_label=%u", rnd(2) ? 0 : 5);
        }
        break;
    case 5:
        ADD(",icmp6,icmp_type=%u,icmp_code=0", rnd(2) ? 135 : 136);
        if (rnd(2)) {
            ADD(",nd_target=2001:db8::%u", 1 + rnd(3));
        }
        if (rnd(3) == 0) {
            ADD(",nd_sll=%s", macs[rnd(3)]);
        }
        break;
    case 6:
        if (rnd(4) == 0) {
            /* PBB: matched on the I-SID; a pop uncovers the customer
             * frame (translated one by one, never cached). */
            ADD(",dl_type=0x88e7");
            if (rnd(2)) {
                ADD(",pbb_isid=%u", 100 + rnd(3));
            }
            if (rnd(3) == 0) {
                ADD(",pbb_uca=%u", rnd(2));
            }
            if (table < 2 && rnd(2)) {
                ADD(",actions=pop_pbb,goto_table:%d", table + 1);
            } else {
                ADD(",actions=%soutput:%u",
                    rnd(2) ? "set_field:7->pbb_isid," : "",
                    1 + rnd(N_PORTS));
            }
            return;
        }
        ADD(",mpls");
        if (rnd(2)) {
            ADD(",mpls_label=%u", 100 + rnd(3));
        }
        if (rnd(3) == 0) {
            ADD(",mpls_bos=%u", rnd(2));
        }
        break;
    }
    if (l3 == 6 && table < 2 && rnd(2)) {
        ADD(",actions=%spop_mpls:%s,goto_table:%d",
            rnd(3) ? "" : "copy_ttl_in,", rnd(4) ? "0x0800" : "0x86dd",
            table + 1);
    } else if (l3 == 6 && rnd(3) == 0) {
        /* The TTLs between the labels and the IP packet beneath. */
        ADD(",actions=copy_ttl_%s,%soutput:%u", rnd(2) ? "out" : "in",
            rnd(3) ? "" : "set_field:0->mpls_bos,", 1 + rnd(N_PORTS));
    } else if ((l3 == 1 || l3 == 2) && table < 2 && rnd(6) == 0) {
        ADD(",actions=set_field:%u->ip_proto,goto_table:%d",
            rnd(2) ? 6 : 17, table + 1);
    } else if (l3 == 1 && rnd(8) == 0) {
        ADD(",actions=set_field:0x8848->eth_type,output:%u",
            1 + rnd(N_PORTS));
    } else if (table < 2 && rnd(8) == 0) {
        ADD(",actions=push_mpls:0x8847,set_field:%u->mpls_label,"
            "goto_table:%d", 100 + rnd(3), table + 1);
    } else if ((l3 == 1 || l3 == 2) && rnd(3) == 0) {
        /* Rewrites of the fields a later table or output depends on. */
        ADD(",actions=%s,output:%u",
            rnd(2) ? "dec_ttl" : "mod_nw_tos:32", 1 + rnd(N_PORTS));
    } else {
        ADD(",actions=%s", actions[rnd(sizeof actions / sizeof *actions)]);
    }
#undef ADD
}

/* ---- Random packets -------------------------------------------------- */

static void
put16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v & 0xff;
}

/* An IPv4 packet (TCP, UDP, ICMP or GRE) at 'ip'; returns its length. */
static size_t
random_ipv4(uint8_t *ip)
{
    size_t ihl = rnd(5) == 0 ? 24 : 20;
    int proto = (int[]) { 6, 17, 1, 47 }[rnd(4)];
    size_t l4 = proto == 6 ? 20 : 8;

    ip[0] = 0x40 | (ihl / 4);
    ip[1] = rnd(2) * 32 * 4;            /* DSCP 0 or 32. */
    put16(ip + 2, ihl + l4);
    if (rnd(6) == 0) {
        put16(ip + 6, rnd(2) ? 0x2000 : 0x0010);    /* MF or offset. */
    }
    ip[8] = rnd(4) ? 64 : rnd(2) ? 1 : 9;
    ip[9] = proto;
    memcpy(ip + 12, ip4s[rnd(5)], 4);
    memcpy(ip + 16, ip4s[rnd(4)], 4);
    uint8_t *t = ip + ihl;
    if (proto == 1) {
        t[0] = rnd(2) ? 8 : 0;
    } else {
        put16(t, l4ports[rnd(8)]);
        put16(t + 2, l4ports[rnd(8)]);
        if (proto == 6) {
            t[12] = 5 << 4;
            t[13] = (uint8_t[]) { 0x02, 0x10, 0x12, 0x18 }[rnd(4)];
        }
    }
    return ihl + l4;
}

/* An IPv6 ICMPv6 echo request or neighbour solicitation at 'ip'. */
static size_t
random_ipv6(uint8_t *ip)
{
    ip[0] = 0x60;
    put16(ip + 4, 24);
    ip[6] = 58;
    ip[7] = 255;
    ip[8] = 0xfe;
    ip[9] = 0x80;
    ip[23] = 1 + rnd(3);
    ip[24] = 0x20;
    ip[25] = 0x01;
    ip[26] = 0x0d;
    ip[27] = 0xb8;
    ip[39] = 1 + rnd(3);
    if (rnd(6) == 0) {
        memset(ip + 8, 0, 16);              /* From "::". */
    }
    ip[40] = (uint8_t[]) { 128, 135, 134, 136 }[rnd(4)];
    return 64;
}

static size_t
random_packet(uint8_t *p, size_t size)
{
    size_t n = 0;

    memset(p, 0, size);
    memcpy(p, mac_bytes[rnd(4)], 6);
    memcpy(p + 6, mac_bytes[rnd(3)], 6);
    n = 12;
    int tags = rnd(6) == 0 ? 2 : rnd(3) == 0;
    for (int i = 0; i < tags; i++) {
        put16(p + n, i == 0 && tags == 2 ? 0x88a8 : 0x8100);
        put16(p + n + 2, (rnd(2) << 13) | (rnd(2) ? 10 : 20));
        n += 4;
    }

    int kind = rnd(13);
    if (kind >= 10) {
        if (kind == 10 && rnd(4) == 0) {    /* PBB over IPv4 */
            put16(p + n, 0x88e7);
            uint32_t tci = (rnd(2) << 27) | (100 + rnd(3));
            put16(p + n + 2, tci >> 16);
            put16(p + n + 4, tci);
            n += 6;
            memcpy(p + n, mac_bytes[rnd(4)], 6);
            memcpy(p + n + 6, mac_bytes[rnd(3)], 6);
            put16(p + n + 12, 0x0800);
            n += 14;
            n += random_ipv4(p + n);
        } else if (kind == 10) {            /* MPLS, 1-4 labels */
            put16(p + n, 0x8847);
            n += 2;
            int labels = 1 + rnd(4);
            for (int i = 0; i < labels; i++) {
                uint32_t lse = ((100 + rnd(3)) << 12) | (rnd(3) ? 64 : 5);
                if (i == labels - 1 && rnd(4)) {
                    lse |= 1 << 8;          /* Bottom of stack. */
                }
                p[n] = lse >> 24;
                p[n + 1] = lse >> 16;
                p[n + 2] = lse >> 8;
                p[n + 3] = lse;
                n += 4;
            }
            /* Beneath: IPv4, IPv6 or something else. */
            int payload = rnd(4);
            n += (payload <= 1 ? random_ipv4(p + n)
                  : payload == 2 ? random_ipv6(p + n) : 20);
        } else {                            /* ND with options */
            put16(p + n, 0x86dd);
            n += 2;
            uint8_t *ip = p + n;
            int n_opts = rnd(3);
            ip[0] = 0x60;
            ip[1] = rnd(2) ? 0x05 : 0;      /* Flow label 5 or 0. */
            put16(ip + 4, 24 + 8 * n_opts);
            ip[6] = 58;
            ip[7] = 255;
            ip[8] = 0xfe;
            ip[9] = 0x80;
            ip[23] = 1 + rnd(3);
            uint8_t *icmp = ip + 40;
            icmp[0] = rnd(2) ? 135 : 136;
            icmp[1] = rnd(8) ? 0 : 1;
            icmp[4] = rnd(2) ? 0x60 : 0;
            icmp[8] = 0x20;
            icmp[9] = 0x01;
            icmp[10] = 0x0d;
            icmp[11] = 0xb8;
            icmp[23] = 1 + rnd(3);
            for (int i = 0; i < n_opts; i++) {
                uint8_t *o = icmp + 24 + 8 * i;
                o[0] = 1 + rnd(2);
                o[1] = 1;
                memcpy(o + 2, mac_bytes[rnd(3)], 6);
            }
            n += 40 + 24 + 8 * n_opts;
        }
    } else if (kind <= 4) {                 /* IPv4 */
        put16(p + n, 0x0800);
        n += 2;
        n += random_ipv4(p + n);
        if (rnd(8) == 0) {
            n += 6;                         /* Ethernet padding. */
        }
    } else if (kind <= 6) {                 /* ARP */
        put16(p + n, rnd(8) ? 0x0806 : 0x8035);
        n += 2;
        uint8_t *a = p + n;
        put16(a, 1);
        put16(a + 2, 0x0800);
        a[4] = 6;
        a[5] = 4;
        put16(a + 6, 1 + rnd(2));
        memcpy(a + 8, mac_bytes[rnd(3)], 6);
        memcpy(a + 14, ip4s[rnd(5)], 4);
        memcpy(a + 24, ip4s[rnd(4)], 4);
        n += 28;
    } else if (kind <= 8) {                 /* IPv6 / ICMPv6 */
        put16(p + n, 0x86dd);
        n += 2;
        n += random_ipv6(p + n);
    } else {                                /* Something else, or LLC. */
        put16(p + n, rnd(2) ? 0x88cc : 0x0030);
        n += 2 + 20;
    }

    /* Sometimes a packet is cut short. */
    if (rnd(10) == 0) {
        n = rnd(n);
    }
    return n;
}

/* ---- The check ------------------------------------------------------- */

struct run_stats {
    size_t packets, hits, mismatches;
    size_t beneath_hits;        /* Hits of MPLS packets on megaflows that
                                 * match the headers beneath the labels. */
    size_t psec_hits[DP_N_DROP_REASONS];    /* Hits on port security's
                                             * drops, by reason. */
    size_t mirrored;                /* Copies the mirrors made (upcalls). */
    size_t pbb_hits;                /* Hits of PBB frames. */
    size_t ext_hits;                /* Hits whose actions copy a TTL into
                                     * the packet beneath the labels, or
                                     * set the IP protocol or Ethertype. */
    size_t changes;                 /* Rule changes made. */
    size_t flushes;                 /* Of them, passes that flushed all. */
    size_t reval_removed, reval_kept;   /* Megaflows after a pass. */
    size_t hits_after_reval;        /* Hits on megaflows that had been
                                     * through a pass and stayed. */
};

/* What a run does with rule changes. */
enum change_mode {
    NO_CHANGES,
    REVALIDATE,                     /* Changes, then a revalidation. */
    SKIP_REVALIDATION,              /* Changes, the cache left as it is. */
};

/* One random flow_mod: an add (or a replacing add), a modify or a
 * delete of what a random rule's match selects. */
static void
random_change(struct pipeline *pl, unsigned int seed)
{
    static const enum ofp_flow_mod_command cmds[] = {
        OFPFC_ADD, OFPFC_ADD, OFPFC_MODIFY, OFPFC_DELETE,
        OFPFC_DELETE_STRICT,
    };
    enum ofp_flow_mod_command cmd = cmds[rnd(ARRAY_SIZE(cmds))];
    int table = rnd(3) ? 0 : 1 + rnd(2);
    struct ofputil_flow_mod fm;
    enum ofputil_protocol usable;
    char text[512];

    random_rule(text, sizeof text, table);
    if (cmd == OFPFC_DELETE || cmd == OFPFC_DELETE_STRICT) {
        *strstr(text, ",actions=") = '\0';
    }
    if (cmd == OFPFC_DELETE) {
        /* Not strict: every priority. */
        char *p = strstr(text, ",priority=");
        char *end = strchr(p + 1, ',');
        const char *rest = end ? end : p + strlen(p);
        memmove(p, rest, strlen(rest) + 1);
    }
    char *err = ofp_ext_parse_flow_mod(&fm, text, cmd, &usable);
    if (err) {
        fail_msg("seed %u: flow_mod \"%s\": %s", seed, text, err);
    }
    /* No two rules of a priority overlap (OpenFlow leaves which one a
     * packet matches undefined, and the classifier's choice may change
     * with unrelated rules): an add that would overlap replaces an
     * identical rule, if that was what it overlapped, or is left out. */
    if (cmd == OFPFC_ADD) {
        fm.flags |= OFPUTIL_FF_CHECK_OVERLAP;
    }
    enum ofperr error = pipeline_flow_mod(pl, &fm);
    if (error == OFPERR_OFPFMFC_OVERLAP) {
        fm.command = OFPFC_DELETE_STRICT;
        fm.out_port = OFPP_ANY;
        fm.out_group = OFPG_ANY;
        error = pipeline_flow_mod(pl, &fm);
        fm.command = OFPFC_ADD;
        if (!error) {
            error = pipeline_flow_mod(pl, &fm);
        }
        if (error == OFPERR_OFPFMFC_OVERLAP) {
            error = 0;
        }
    }
    if (error) {
        fail_msg("seed %u: flow_mod \"%s\": %s", seed, text,
                 ofperr_to_string(error));
    }
    minimatch_destroy(&fm.match);
    free(fm.ofpacts);
}

static void
megaflow_forget(struct mfc *cls, struct dp_megaflow *mf)
{
    if (mf->handle) {
        pipeline_upcall_ops.release(mf->handle);
    }
    mfc_remove(cls, mf);
}

/* Whether 'mask' looks at any L3 or L4 field. */
static bool
mask_has_l3_l4(const struct dp_flow_key *mask)
{
    static const uint8_t zero[16];
    return (memcmp(mask->nw_src, zero, 16) || memcmp(mask->nw_dst, zero, 16)
            || mask->nw_proto || mask->nw_ttl || mask->nw_tos
            || mask->tp_src || mask->tp_dst);
}

static bool
same_actions(const struct dp_megaflow *mf, const struct dp_actions *a)
{
    if (mf->n_actions != a->n) {
        return false;
    }
    /* Every byte: the rewrites' values too (actions are zeroed when
     * made, dp_actions_put()). */
    return !memcmp(mf->actions, a->a, a->n * sizeof *a->a);
}

static void
print_actions(const struct dp_action *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        print_message(" %u:%u:%08x", a[i].type, a[i].port, a[i].arg);
    }
    print_message("\n");
}

/* One rule set and 'n_packets' packets.  'widen' drops mask bits, to show
 * that the check notices an unsound cache. */
static void
run_one(unsigned int seed, int n_rules, int n_packets, bool widen,
        enum change_mode changes, struct run_stats *st)
{
    bool survived[4096] = { false };
    struct pipeline *pl = pipeline_create("br0");
    struct dp_megaflow *mfs[4096];
    size_t n_mfs = 0;
    struct mfc cls;
    char rule[512];

    rng_state = seed * 2654435761u + 1;
    for (uint16_t ofport = 1; ofport <= N_PORTS; ofport++) {
        pipeline_port_add(pl, ofport, DP(ofport), false, NULL);
    }
    if (seed % 2) {
        /* Port security on port 1: its verdicts are cached too. */
        struct xvs_port_guest g = { .security = XVS_PSEC_DEFAULT };
        char *err = NULL;
        if (xvs_port_guest_option(&g, "mac", 3, "02:00:00:00:00:01", false,
                                  &err) != 1
            || xvs_port_guest_option(&g, "ip", 2, "10.0.0.0/31 2001:db8::1",
                                     false, &err) != 1
            || xvs_port_guest_option(&g, "allowed-addresses", 17,
                                     "10.0.1.1 fe80::2 02:00:00:00:00:03",
                                     false, &err) != 1) {
            fail_msg("guest settings: %s", err);
        }
        pipeline_port_set_security(pl, 1, &g);
        xvs_port_guest_destroy(&g);
    }
    if (seed % 3 == 0) {
        /* Mirrors: what they copy depends on the input port, the VLAN and
         * the outputs, all of which the megaflow must then match. */
        static const uint16_t src[] = { 2 }, dst[] = { 3 };
        static const uint16_t vlans[] = { 0, 10, 20 };
        const struct pipeline_mirror m[] = {
            { .name = "a", .src = src, .n_src = 1, .dst = dst, .n_dst = 1,
              .vlans = vlans, .n_vlans = 3, .output = N_PORTS },
            { .name = "b", .dst = src, .n_dst = 1, .output = N_PORTS - 1 },
            /* Tagged copies, then the packet's own tags put back: the
             * actions depend on the tags the packet came with. */
            { .name = "c", .dst = dst, .n_dst = 1, .output_vlan = 20 },
        };
        pipeline_set_mirrors(pl, m, ARRAY_SIZE(m));
    }
    for (int i = 0; i < n_rules; i++) {
        char *err = NULL;
        int table = rnd(3) ? 0 : 1 + rnd(2);
        random_rule(rule, sizeof rule, table);
        /* No ties (see random_change()). */
        char *text = xasprintf("check_overlap,%s", rule);
        if (pipeline_flow_add(pl, text, &err)) {
            if (!strstr(err, "OVERLAP")) {
                fail_msg("seed %u: rule \"%s\": %s", seed, rule, err);
            }
            free(err);
        }
        free(text);
    }
    mfc_init(&cls);

    for (int i = 0; i < n_packets; i++) {
        uint8_t pkt[160];
        size_t len = random_packet(pkt, sizeof pkt);
        uint32_t in_port = DP(1 + rnd(N_PORTS));
        struct dp_flow_key key;
        struct dp_upcall up;

        dp_flow_key_extract(pkt, len, in_port, &key);
        memset(&up, 0, sizeof up);
        up.key = &key;
        up.packet = pkt;
        up.len = up.pkt_len = len;
        pipeline_upcall(pl, &up);
        up.mask.in_port = UINT32_MAX;   /* As the datapath does. */

        if (up.mac_changed) {
            for (size_t j = 0; j < n_mfs; ) {
                if (mfs[j]->flags & DP_MF_LEARN) {
                    megaflow_forget(&cls, mfs[j]);
                    survived[j] = survived[n_mfs - 1];
                    mfs[j] = mfs[--n_mfs];
                } else {
                    j++;
                }
            }
        }

        st->packets++;
        struct dp_megaflow *hit = mfc_lookup(&cls, &key);
        if (hit) {
            st->hits++;
            for (size_t j = 0; j < n_mfs; j++) {
                if (mfs[j] == hit && survived[j]) {
                    st->hits_after_reval++;
                }
            }
            if (key.parse_flags & (DP_KEY_MPLS_IP4 | DP_KEY_MPLS_IP6)
                && mask_has_l3_l4(mfc_megaflow_mask(hit))) {
                st->beneath_hits++;
            }
            if (key.dl_type == htons(0x88e7)) {
                st->pbb_hits++;
            }
            for (size_t j = 0; j < hit->n_actions; j++) {
                uint16_t t = hit->actions[j].type;
                if (t == DP_ACTION_SET_MPLS_IP_TTL
                    || t == DP_ACTION_SET_IP_PROTO
                    || t == DP_ACTION_SET_ETH_TYPE) {
                    st->ext_hits++;
                    break;
                }
            }
            if (hit->n_actions == 1
                && hit->actions[0].type == DP_ACTION_DROP) {
                st->psec_hits[hit->actions[0].arg]++;
            }
            if (!same_actions(hit, &up.actions)) {
                st->mismatches++;
                if (!widen && changes != SKIP_REVALIDATION) {
                    char k[512], m[512];
                    dp_flow_key_format(&key, &key, NULL, NULL, k, sizeof k);
                    dp_flow_key_format(&hit->key, mfc_megaflow_mask(hit),
                                       NULL, NULL, m, sizeof m);
                    print_message("seed %u packet %d: %s\n  megaflow %s\n",
                                  seed, i, k, m);
                    print_message("  cached:  ");
                    print_actions(hit->actions, hit->n_actions);
                    print_message("  pipeline:");
                    print_actions(up.actions.a, up.actions.n);
                }
            }
        } else if (up.cacheable && n_mfs < sizeof mfs / sizeof *mfs) {
            if (widen) {
                /* Forget the addresses and ports the rules looked at. */
                memset(up.mask.nw_src, 0, sizeof up.mask.nw_src);
                memset(up.mask.nw_dst, 0, sizeof up.mask.nw_dst);
                up.mask.tp_src = up.mask.tp_dst = 0;
                memset(up.mask.dl_dst, 0, sizeof up.mask.dl_dst);
            }
            struct dp_megaflow *mf = dp_megaflow_create(
                &key, &up.mask, up.actions.a, up.actions.n);
            mf->flags = up.mf_flags;
            if (!mfc_insert(&cls, mf, &up.mask)) {
                mf->handle = up.handle;     /* The megaflow's now. */
                up.handle = NULL;
                survived[n_mfs] = false;
                mfs[n_mfs++] = mf;
            } else {
                free(mf);
            }
        }
        if (up.handle) {
            pipeline_upcall_ops.release(up.handle);
        }

        if (changes != NO_CHANGES && i % 16 == 15) {
            struct pipeline_changes *c;

            random_change(pl, seed);
            st->changes++;
            if (pipeline_take_changes(pl, &c)) {
                st->flushes++;
                while (n_mfs) {
                    megaflow_forget(&cls, mfs[--n_mfs]);
                }
            } else if (c && changes == REVALIDATE) {
                for (size_t j = 0; j < n_mfs; ) {
                    if (pipeline_changes_affect(c, mfs[j]->handle,
                                                &mfs[j]->key,
                                                mfc_megaflow_mask(mfs[j]))) {
                        megaflow_forget(&cls, mfs[j]);
                        survived[j] = survived[n_mfs - 1];
                        mfs[j] = mfs[--n_mfs];
                        st->reval_removed++;
                    } else {
                        survived[j++] = true;
                        st->reval_kept++;
                    }
                }
            }
            pipeline_changes_destroy(c);
        }
    }

    while (n_mfs) {
        megaflow_forget(&cls, mfs[--n_mfs]);
    }
    mfc_destroy(&cls);
    struct pipeline_mirror_stats *ms;
    size_t n_ms = pipeline_mirror_stats(pl, &ms);
    for (size_t i = 0; i < n_ms; i++) {
        st->mirrored += ms[i].n_packets;
    }
    free(ms);
    pipeline_destroy(pl);
    ovsrcu_quiesce();
}

static void
test_megaflow_cache_decides_as_the_pipeline(void **state)
{
    struct run_stats st = { 0 };

    for (unsigned int seed = 1; seed <= 300; seed++) {
        run_one(seed, 1 + (int) (seed % 12), 400, false, NO_CHANGES, &st);
    }
    print_message("%zu packets, %zu cache hits (%zu of MPLS packets on "
                  "their inner headers), %zu mismatches\n", st.packets,
                  st.hits, st.beneath_hits, st.mismatches);
    assert_int_equal(st.mismatches, 0);
    /* Port security's verdicts were cached and reused, for each reason a
     * random packet can have. */
    for (int r = 0; r < DP_N_DROP_REASONS; r++) {
        print_message("%s: %zu hits\n", dp_drop_reason_name(r),
                      st.psec_hits[r]);
        if (r != DP_DROP_RATE) {
            assert_true(st.psec_hits[r] > 0);
        }
    }
    /* Decisions taken after pop_mpls on the headers beneath were cached
     * and reused, so the check covered them. */
    assert_true(st.beneath_hits > 0);
    /* And decisions with copy_ttl_in, set_field on ip_proto or
     * eth_type. */
    print_message("%zu hits on copy_ttl_in, ip_proto and eth_type "
                  "rewrites\n", st.ext_hits);
    assert_true(st.ext_hits > 0);
    /* And decisions on PBB frames' I-SIDs. */
    print_message("%zu hits of PBB frames\n", st.pbb_hits);
    assert_true(st.pbb_hits > 0);
    /* So were decisions with mirror copies. */
    print_message("%zu mirror copies made by upcalls\n", st.mirrored);
    assert_true(st.mirrored > 0);
    /* The cache must actually have answered often for the check to mean
     * anything (about 30% of these random packets hit). */
    assert_true(st.hits * 5 > st.packets);
}

static void
test_check_catches_too_wide_masks(void **state)
{
    struct run_stats st = { 0 };

    for (unsigned int seed = 1; seed <= 100; seed++) {
        run_one(seed, 1 + (int) (seed % 12), 400, true, NO_CHANGES, &st);
    }
    assert_true(st.mismatches > 0);
}

static void
test_revalidation_keeps_the_cache_right(void **state)
{
    struct run_stats st = { 0 };

    for (unsigned int seed = 1; seed <= 300; seed++) {
        run_one(seed, 1 + (int) (seed % 12), 400, false, REVALIDATE, &st);
    }
    print_message("%zu packets, %zu cache hits, %zu rule changes "
                  "(%zu flushed all), %zu megaflows removed and %zu kept "
                  "by revalidations, %zu hits on kept ones, %zu "
                  "mismatches\n", st.packets, st.hits, st.changes,
                  st.flushes, st.reval_removed, st.reval_kept,
                  st.hits_after_reval, st.mismatches);
    assert_int_equal(st.mismatches, 0);
    /* A targeted pass, not a flush: megaflows stayed, and served. */
    assert_true(st.reval_removed > 0);
    assert_true(st.reval_kept > st.reval_removed);
    assert_true(st.hits_after_reval * 10 > st.hits);
    assert_true(st.flushes < st.changes / 10);
}

static void
test_skipped_revalidation_is_caught(void **state)
{
    struct run_stats st = { 0 };

    for (unsigned int seed = 1; seed <= 100; seed++) {
        run_one(seed, 1 + (int) (seed % 12), 400, false, SKIP_REVALIDATION,
                &st);
    }
    assert_true(st.mismatches > 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_megaflow_cache_decides_as_the_pipeline),
        cmocka_unit_test(test_check_catches_too_wide_masks),
        cmocka_unit_test(test_revalidation_keeps_the_cache_right),
        cmocka_unit_test(test_skipped_revalidation_is_caught),
    };
    return cmocka_run_group_tests_name("megaflow-equivalence", tests, NULL,
                                       NULL);
}
