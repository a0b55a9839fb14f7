/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The end of every lfvpci benchmark module (lfvpci_dispatch.c,
 * lfvpci_msix.c, lfvpci_trace.c), included last, after the module's
 * BENCH_* access macros: each benchmark thread (steady's writer too)
 * registered with lfvpci's RCU, a quiescent state reported after each
 * batch (QSBR readers must; a no-op on the other backends), the workloads
 * those macros enable (lfv_bench_workloads.h), and the module itself under
 * LFV_BENCH_NAME ("lfvpci" unless the build names it: lfvpci_qsbr,
 * lfvpci_sbdf, ...).
 */
#ifndef LFV_BENCH_LFVPCI_MODULE_H
#define LFV_BENCH_LFVPCI_MODULE_H

#include <lfvpci/rcu.h>

#include "bench.h"

static void thread_init(void)
{
    lfv_rcu_register_thread();
}

static void thread_exit(void)
{
    lfv_rcu_unregister_thread();
}

#define BENCH_THREAD_INIT() thread_init()
#define BENCH_THREAD_EXIT() thread_exit()
#define BENCH_AFTER lfv_rcu_quiescent_state()
#ifndef LFV_BENCH_NAME
#define LFV_BENCH_NAME "lfvpci"
#endif
#define LFV_BENCH_IMPL LFV_BENCH_NAME
#include "lfv_bench_workloads.h"

LFV_BENCH_MODULE(LFV_BENCH_NAME, thread_init, thread_exit);

#endif /* LFV_BENCH_LFVPCI_MODULE_H */
