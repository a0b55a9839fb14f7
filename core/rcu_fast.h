/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inline read-side fast paths of the RCU backend the library is built with.
 * Internal: only lfvpci's own read paths include this.  Everyone else uses
 * the out-of-line functions of <lfvpci/rcu.h>, which have the same contract.
 */
#ifndef LFV_CORE_RCU_FAST_H
#define LFV_CORE_RCU_FAST_H

#include <lfvpci/rcu.h>
#include "tsan.h"

#if defined(LFV_RCU_BACKEND_MEMB)
#define _LGPL_SOURCE 1
#include <urcu/urcu-memb.h>
#define lfv_rcu_fast_lock() urcu_memb_read_lock()
#define lfv_rcu_fast_unlock()                                               \
    do {                                                                    \
        lfv_tsan_reader_exit();                                             \
        urcu_memb_read_unlock();                                            \
    } while (0)

#elif defined(LFV_RCU_BACKEND_QSBR)
#define _LGPL_SOURCE 1
#include <urcu/urcu-qsbr.h>
#define lfv_rcu_fast_lock() urcu_qsbr_read_lock()
#define lfv_rcu_fast_unlock()                                               \
    do {                                                                    \
        lfv_tsan_reader_exit();                                             \
        urcu_qsbr_read_unlock();                                            \
    } while (0)

#elif defined(LFV_RCU_BACKEND_CKEPOCH)
#include <ck_epoch.h>
extern __thread ck_epoch_record_t *lfv_ck_record;
#define lfv_rcu_fast_lock() ck_epoch_begin(lfv_ck_record, NULL)
#define lfv_rcu_fast_unlock()                                               \
    do {                                                                    \
        lfv_tsan_reader_exit();                                             \
        ck_epoch_end(lfv_ck_record, NULL);                                  \
    } while (0)

#elif defined(LFV_RCU_BACKEND_HOST)
/*
 * An embedding host (a hypervisor) maps the read side onto its own RCU: its
 * platform header (LFV_PLATFORM_HEADER, see platform.h) defines
 * lfv_rcu_fast_lock() and lfv_rcu_fast_unlock(), and the host provides the
 * out-of-line functions of <lfvpci/rcu.h>.
 */
#include "platform.h"
#if !defined(lfv_rcu_fast_lock) || !defined(lfv_rcu_fast_unlock)
#error "LFV_RCU_BACKEND_HOST: the platform header must define lfv_rcu_fast_lock/unlock"
#endif

#else
#error "define one of LFV_RCU_BACKEND_MEMB, _QSBR, _CKEPOCH, _HOST"
#endif

#endif /* LFV_CORE_RCU_FAST_H */
