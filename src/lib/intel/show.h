/*
 * show.h - inventory from `show` command captures (sans-IO).
 *
 * Recognises `show version` of Cisco IOS, IOS XE, NX-OS, IOS XR and ASA,
 * Arista EOS and Juniper Junos, PAN-OS `show system info`, FortiOS
 * `get system status`, Ivanti Connect/Policy Secure version strings and
 * Microsoft Exchange build numbers (Get-ExchangeServer, ExSetup.exe file
 * version, or a CSV inventory). A capture may hold several commands, each
 * after a CLI prompt ("rtr1#show version", "admin@fw> show system info");
 * each recognised output becomes one device record. `show vstack config`
 * gives a record without version facts whose features say whether the
 * Smart Install client ("vstack") is on.
 *
 * Pure functions over a buffer; thread-safe; results are owned by the caller.
 */
#ifndef SH_INTEL_SHOW_H
#define SH_INTEL_SHOW_H

#include "../base/sh_base.h"
#include "salthunt/sh_scan.h"

/** Longest line looked at (longer lines are cut here) and most records per file. */
#define SH_SHOW_MAX_LINE 4096
#define SH_SHOW_MAX_DEVICES 4096

/** Score 0..100 that `buf` (a file's head) holds show output salthunt reads. */
int sh_show_detect(const char *buf, size_t len);

/**
 * A thread's scratch for sh_show_detect_with(): the first test, whether
 * any output's marker string occurs at all, becomes one Hyperscan pass
 * instead of one substring search per marker. NULL on OOM.
 */
struct sh_show_scratch *sh_show_scratch_new(void);
void sh_show_scratch_free(struct sh_show_scratch *s);
/** As sh_show_detect; `s` may be NULL (then as sh_show_detect). */
int sh_show_detect_with(const char *buf, size_t len, struct sh_show_scratch *s);

/**
 * Parse every recognised output in [buf, buf+len) and push one owned
 * sh_device per output onto `out` (sources = `source`, dialect_basis says
 * which command was recognised). Returns 0; SH_ELIMIT with diag when the
 * file holds more than SH_SHOW_MAX_DEVICES outputs (those parsed are kept);
 * SH_ENOMEM.
 */
int sh_show_parse(const char *buf, size_t len, const char *source, struct sh_ptrvec *out,
                  sh_diag *diag);

/** Free one device record (same layout and ownership as sh_device_free). */
void sh_show_device_free(sh_device *d);

/** True when `d` is a record this parser produced (from its dialect_basis). */
bool sh_show_is_own(const sh_device *d);

/** True for a `show vstack config` record: its features tell whether vstack is on. */
bool sh_show_is_vstack(const sh_device *d);

/** Free every device in `devs` and the vector itself (leaves it empty). */
void sh_show_free_devices(struct sh_ptrvec *devs);

#endif
