/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Crafted devices: a test writes a configuration space byte by byte
 * (malformed chains, capabilities the simulator's descriptions lack) and
 * adds it to the simulated bridge as an lspci dump of it.
 */
#ifndef LFV_TESTS_SIM_CFG_H
#define LFV_TESTS_SIM_CFG_H

#include <stdint.h>
#include <stdio.h>

#include <lfvpci/simhw.h>

/* Little-endian store of `size` bytes of v at cfg[off]. */
static inline void sim_cfg_put(uint8_t *cfg, unsigned int off,
                               unsigned int size, uint32_t v)
{
    for (unsigned int i = 0; i < size; i++)
        cfg[off + i] = (uint8_t)(v >> 8 * i);
}

/*
 * Add the device of 4096 bytes of configuration space cfg at s, with the
 * given Region lines (each "\tRegion N: ...\n"; "" for none): what
 * lfv_sim_add_lspci() returns.
 */
static inline int sim_cfg_add(struct lfv_sim_bridge *br, lfv_sbdf_t s,
                              const uint8_t *cfg, const char *regions)
{
    static char text[32768];
    size_t n = (size_t)snprintf(text, sizeof(text),
                                "%02x:%02x.%x Device [0000]: crafted\n%s",
                                LFV_SBDF_BUS(s), LFV_SBDF_DEV(s),
                                LFV_SBDF_FN(s), regions);

    for (unsigned int off = 0; off < 4096; off += 16) {
        n += (size_t)snprintf(text + n, sizeof(text) - n,
                              off < 0x100 ? "%02x:" : "%03x:", off);
        for (unsigned int i = 0; i < 16; i++)
            n += (size_t)snprintf(text + n, sizeof(text) - n, " %02x",
                                  cfg[off + i]);
        n += (size_t)snprintf(text + n, sizeof(text) - n, "\n");
    }
    return lfv_sim_add_lspci(br, text, n, s, NULL);
}

#endif /* LFV_TESTS_SIM_CFG_H */
