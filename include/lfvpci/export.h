/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci/export.h - what liblfvpci.so exports.
 *
 * The library is built with hidden visibility (-fvisibility=hidden): only
 * what the public headers declare between LFV_API_BEGIN and LFV_API_END,
 * the documented lfv_* API, is exported.  LFV_EXPORTS is defined while
 * building the library only; elsewhere (programs, a hypervisor importing
 * the engine) both macros are empty.  tests/check-exports.sh checks the
 * shared library's dynamic symbols against the public headers.
 */
#ifndef LFVPCI_EXPORT_H
#define LFVPCI_EXPORT_H

#if defined(LFV_EXPORTS) && defined(__GNUC__)
#define LFV_API_BEGIN _Pragma("GCC visibility push(default)")
#define LFV_API_END _Pragma("GCC visibility pop")
#else
#define LFV_API_BEGIN
#define LFV_API_END
#endif

#endif /* LFVPCI_EXPORT_H */
