/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dp-classify: one variant of the burst's classification.  See
 * dp-classify.h.
 *
 * This file is compiled once per variant, each time with the compiler
 * flags of its instruction set and DP_CLASSIFY_FN naming the function
 * (datapath/automake.mk); flow-key.h and emc.h pick their wider code by
 * the compiler's __AVX2__ / __AVX512F__.
 */
#include "dp-classify.h"

#include <rte_mbuf.h>

#include "emc.h"

#ifndef DP_CLASSIFY_FN
#error "DP_CLASSIFY_FN names the variant this compilation makes"
#endif

void
DP_CLASSIFY_FN(struct emc *emc, struct rte_mbuf *const *pkts, uint16_t n,
               uint32_t port_no, struct dp_flow_key *keys,
               struct dp_burst *b)
{
    /* Parse the whole burst first: reading a key back right after the
     * parser's narrow stores would stall on store forwarding.  Packets of
     * a common shape get their compact key only; the full key is made
     * for them on an exact-match miss (dp_compact_expand()). */
    for (uint16_t i = 0; i < n; i++) {
        const void *data = rte_pktmbuf_mtod(pkts[i], const void *);
        uint32_t len = rte_pktmbuf_data_len(pkts[i]);
        uint32_t frame_len = rte_pktmbuf_pkt_len(pkts[i]);

        b->kinds[i] = dp_compact_extract(data, len, frame_len, port_no,
                                         &b->ckeys[i]);
        if (b->kinds[i] == DP_COMPACT_NONE) {
            dp_flow_key_extract_head(data, len, frame_len, port_no,
                                     &keys[i]);
        }
    }

    /* Hash the burst and start loading the cache entries, then probe:
     * the loads overlap instead of stalling one packet after another. */
    for (uint16_t i = 0; i < n; i++) {
        const struct rte_mbuf *m = pkts[i];
        uint8_t kind = b->kinds[i];
        uint32_t hash;

        if (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH) {
            /* The NIC hashed the 5-tuple; fold in the rest cheaply. */
            uint64_t w = ((uint64_t) m->hash.rss << 32) | port_no;
            hash = dp_hash_words(&w, 1, kind ? 0 : keys[i].parse_flags);
        } else {
            hash = (kind == DP_COMPACT_IP4
                    ? dp_compact_key_hash(&b->ckeys[i].v4)
                    : kind == DP_COMPACT_IP6
                    ? dp_compact6_key_hash(&b->ckeys[i].v6)
                    : dp_flow_key_hash(&keys[i]));
        }
        b->hashes[i] = hash;
        if (kind == DP_COMPACT_IP4) {
            emc_prefetch_compact(emc, hash);
        } else if (kind == DP_COMPACT_IP6) {
            emc_prefetch_compact6(emc, hash);
        } else {
            emc_prefetch(emc, hash);
        }
    }

    for (uint16_t i = 0; i < n; i++) {
        uint8_t kind = b->kinds[i];
        uint32_t hash = b->hashes[i];

        b->mfs[i] = (kind == DP_COMPACT_IP4
                     ? emc_lookup_compact(emc, &b->ckeys[i].v4, hash)
                     : kind == DP_COMPACT_IP6
                     ? emc_lookup_compact6(emc, &b->ckeys[i].v6, hash)
                     : emc_lookup(emc, &keys[i], hash));
    }
}
