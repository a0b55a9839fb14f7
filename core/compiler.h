/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Compiler hints under lfvpci's own names, so that a host with macros of
 * its own (Xen's likely(), noinline) can include the engine unchanged.
 */
#ifndef LFV_CORE_COMPILER_H
#define LFV_CORE_COMPILER_H

#define lfv_likely(x) __builtin_expect(!!(x), 1)
#define lfv_unlikely(x) __builtin_expect(!!(x), 0)
#define lfv_noinline __attribute__((__noinline__))
#define lfv_always_inline inline __attribute__((__always_inline__))

/*
 * Unroll the loop that follows n times.  Only when optimizing: at -O0
 * GCC ignores the annotation with a warning, which -Werror makes an
 * error (a Debug build).
 */
#define lfv_pragma(x) _Pragma(#x)
#ifdef __OPTIMIZE__
#define lfv_unroll(n) lfv_pragma(GCC unroll n)
#else
#define lfv_unroll(n)
#endif

/*
 * Marks a function the engine calls through a pointer (default handlers,
 * RCU callbacks).  A host with control-flow integrity defines it in its
 * platform header to its own marker (Xen: cf_check, an ENDBR64 landing
 * pad under CET-IBT); elsewhere it is empty.
 */
#ifndef lfv_cf_check
#define lfv_cf_check
#endif

#endif /* LFV_CORE_COMPILER_H */
