/*
 * cmd_rules.c - `salthunt rules list|test|lint|export-patterns`: inspect,
 * test and check rule packs: config rules (docs/rules/config-rules.md) and
 * Sigma log rules (docs/rules/sigma.md). A --rules folder may mix both.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "exit.h"
#include "salthunt/sh_rules.h"
#include "salthunt/sh_sigma.h"

#define MAX_PATHS 256

static const char usage_text[] =
    "usage: salthunt rules list [--rules PATH]... [--no-builtin] [--format text|jsonl]\n"
    "       salthunt rules test [--rules PATH]... [--no-builtin] [--sigma-tests DIR]\n"
    "       salthunt rules lint PATH...\n"
    "       salthunt rules export-patterns [--rules PATH]... [--no-builtin] [--pcre2]\n"
    "\n"
    "Inspect, test and check rule packs: config rules and Sigma log rules.\n"
    "\n"
    "  list             one line per rule: id, kind, severity, platforms, title\n"
    "                   (Sigma rules: id, 'sigma:' kind, level, logsource, title)\n"
    "  test             run every config rule's samples, and with --sigma-tests\n"
    "                   prove a Sigma pack on DIR/<rule-id>/{match,nomatch}/ log\n"
    "                   files; prints each failure and 'N passed, N failed';\n"
    "                   exit 1 when a sample fails\n"
    "  lint             load rule files or folders (config and Sigma rules) and\n"
    "                   print every problem as file:line:col: message; Sigma\n"
    "                   rules that load but can never see device logs are\n"
    "                   printed as notes; exit 2 when there is any problem\n"
    "  export-patterns  print each line regex of the pack, one per line, for\n"
    "                   'rg -f' (named groups become plain groups; patterns\n"
    "                   ripgrep's default engine cannot take\n"
    "                   are left out and counted on stderr; --pcre2 prints all\n"
    "                   of them for 'rg -P -f')\n"
    "\n"
    "options:\n"
    "  --rules PATH     also load rule files from PATH (file or folder of *.yml);\n"
    "                   repeatable\n"
    "  --no-builtin     leave out the built-in pack\n"
    "  --format FMT     list output: text (default) or jsonl\n"
    "  --pcre2          export-patterns: keep PCRE-only syntax\n"
    "  --sigma-tests DIR  test: samples of the Sigma rules (built-in pack's:\n"
    "                   rules/logs/tests in the source tree)\n"
    "  -h, --help       show this help\n";

struct rules_args {
    const char *paths[MAX_PATHS + 1];
    size_t n_paths;
    bool no_builtin;
    bool jsonl;
    bool pcre2;
    const char *sigma_tests;
};

static void print_diag(const sh_diag *d, void *ud)
{
    size_t *count = ud;

    if (count)
        (*count)++;
    if (d->line && d->column)
        fprintf(stderr, "%s:%u:%u: %s\n", d->source[0] ? d->source : "<rules>", d->line, d->column,
                d->text);
    else if (d->line)
        fprintf(stderr, "%s:%u: %s\n", d->source[0] ? d->source : "<rules>", d->line, d->text);
    else
        fprintf(stderr, "%s: %s\n", d->source[0] ? d->source : "<rules>", d->text);
}

static int parse_args(struct rules_args *a, int argc, char **argv, bool allow_format,
                      bool allow_pcre2)
{
    static const struct option longopts[] = {
        {"rules", required_argument, NULL, 'r'},       {"no-builtin", no_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'f'},      {"pcre2", no_argument, NULL, 'p'},
        {"sigma-tests", required_argument, NULL, 's'}, {NULL, 0, NULL, 0},
    };
    int c;

    memset(a, 0, sizeof(*a));
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (a->n_paths >= MAX_PATHS) {
                sh_cli_error("too many --rules paths (at most %d)", MAX_PATHS);
                return -1;
            }
            a->paths[a->n_paths++] = optarg;
            break;
        case 'n': a->no_builtin = true; break;
        case 'f':
            if (!allow_format) {
                sh_cli_error("--format is an option of 'rules list'");
                return -1;
            }
            if (strcmp(optarg, "jsonl") == 0) {
                a->jsonl = true;
            } else if (strcmp(optarg, "text") != 0) {
                sh_cli_error("unknown format '%s' (text or jsonl)", optarg);
                return -1;
            }
            break;
        case 'p':
            if (!allow_pcre2) {
                sh_cli_error("--pcre2 is an option of 'rules export-patterns'");
                return -1;
            }
            a->pcre2 = true;
            break;
        case 's': a->sigma_tests = optarg; break;
        default:
            sh_cli_error("unknown option '%s' (see 'salthunt rules --help')", argv[optind - 1]);
            return -1;
        }
    }
    if (optind < argc) {
        sh_cli_error("unexpected argument '%s'", argv[optind]);
        return -1;
    }
    return 0;
}

static int load(sh_ruleset **rs, const struct rules_args *a)
{
    sh_rules_options o = SH_RULES_OPTIONS_INIT;
    sh_diag d;
    int rc;

    o.no_builtin = a->no_builtin;
    o.paths = a->n_paths ? a->paths : NULL;
    o.on_diag = print_diag;
    rc = sh_ruleset_load(rs, &o, &d);
    if (rc) {
        sh_cli_error("rules did not load: %s", sh_status_str(rc));
        return -1;
    }
    return 0;
}

static void print_sigma_diag(const sh_diag *d, bool error, void *ud)
{
    size_t *errors = ud;

    if (error && errors)
        (*errors)++;
    if (d->line)
        fprintf(stderr, "%s:%u: %s%s\n", d->source[0] ? d->source : "<sigma>", d->line,
                error ? "" : "note: ", d->text);
    else
        fprintf(stderr, "%s: %s%s\n", d->source[0] ? d->source : "<sigma>",
                error ? "" : "note: ", d->text);
}

/* The Sigma side of the same --rules/--no-builtin selection, compiled. */
static int load_sigma(sh_sigma_set **out, const struct rules_args *a)
{
    sh_sigma_set *set = NULL;
    size_t errors = 0, i;
    sh_diag d;
    int rc;

    *out = NULL;
    if (sh_sigma_set_new(&set) != 0) {
        sh_cli_error("out of memory");
        return -1;
    }
    sh_sigma_set_on_diag(set, print_sigma_diag, &errors);
    sh_sigma_set_skip_foreign(set, true);
    rc = a->no_builtin ? 0 : sh_sigma_load_builtin(set, &d);
    for (i = 0; !rc && i < a->n_paths; i++)
        rc = sh_sigma_load_path(set, a->paths[i], &d);
    if (!rc)
        rc = sh_sigma_compile(set, NULL, &d);
    if (rc || errors) {
        sh_cli_error("Sigma rules did not load: %s", rc ? sh_status_str(rc) : "rule error");
        sh_sigma_set_free(set);
        return -1;
    }
    *out = set;
    return 0;
}

static void list_sigma(const sh_sigma_set *set, bool jsonl)
{
    size_t i;

    for (i = 0; i < sh_sigma_count(set); i++) {
        sh_sigma_rule_info r;
        char kind[32], src[96];
        if (sh_sigma_rule_get(set, i, &r) != 0)
            continue;
        snprintf(kind, sizeof(kind), "sigma:%s", r.kind);
        snprintf(src, sizeof(src), "%s/%s", r.product ? r.product : "-",
                 r.service ? r.service : (r.category ? r.category : "-"));
        if (jsonl) {
            json_t *o = json_pack("{s:s?, s:s, s:s?, s:s, s:s, s:s, s:b}", "id", r.id, "kind", kind,
                                  "severity", r.level, "logsource", src, "title", r.title, "file",
                                  r.source, "applicable", r.applicable);
            char *t = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
            if (t)
                puts(t);
            free(t);
            json_decref(o);
        } else {
            printf("%-36s %-9s %-8s %-24s %s\n", r.id ? r.id : "-", kind, r.level ? r.level : "-",
                   src, r.title);
        }
    }
}

static int run_list(int argc, char **argv)
{
    struct rules_args a;
    sh_ruleset *rs = NULL;
    size_t i;

    if (parse_args(&a, argc, argv, true, false) || load(&rs, &a))
        return SH_EXIT_ERROR;
    for (i = 0; i < sh_ruleset_count(rs); i++) {
        sh_rule_info info;
        sh_ruleset_rule_info(rs, i, &info);
        if (a.jsonl) {
            json_t *o =
                json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "id", info.id, "kind",
                          sh_kind_str(info.kind), "severity", sh_severity_str(info.severity),
                          "platforms", info.platforms, "shape", info.shape, "title", info.title,
                          "file", info.file, "samples", (int)info.n_samples);
            char *s = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
            if (!s) {
                json_decref(o);
                sh_ruleset_free(rs);
                sh_cli_error("out of memory");
                return SH_EXIT_ERROR;
            }
            puts(s);
            free(s);
            json_decref(o);
        } else {
            printf("%-36s %-9s %-8s %-24s %s\n", info.id,
                   info.feature ? "feature" : sh_kind_str(info.kind),
                   sh_severity_str(info.severity), info.platforms,
                   info.feature ? info.feature : info.title);
        }
    }
    sh_ruleset_free(rs);
    {
        sh_sigma_set *set = NULL;
        if (load_sigma(&set, &a))
            return SH_EXIT_ERROR;
        list_sigma(set, a.jsonl);
        sh_sigma_set_free(set);
    }
    return SH_EXIT_OK;
}

static void on_test_fail(const sh_rule_info *r, size_t sample, bool match, const char *problem,
                         void *ud)
{
    (void)ud;
    printf("FAIL %s (%s:%u) %s sample %zu: %s\n", r->id, r->file, r->line,
           match ? "match" : "nomatch", sample, problem);
}

static void on_sigma_case(const sh_sigma_test_case *c, void *ud)
{
    (void)ud;
    if (!c->ok)
        printf("FAIL %s %s sample %s:%u: %s\n", c->rule, c->expect_match ? "match" : "nomatch",
               c->path, c->line, c->detail ? c->detail : "unexpected result");
}

static int run_test(int argc, char **argv)
{
    struct rules_args a;
    sh_ruleset *rs = NULL;
    size_t passed = 0, failed = 0;
    sh_diag d;
    int rc;

    if (parse_args(&a, argc, argv, false, false) || load(&rs, &a))
        return SH_EXIT_ERROR;
    rc = sh_ruleset_test(rs, &passed, &failed, on_test_fail, NULL, &d);
    sh_ruleset_free(rs);
    if (rc) {
        sh_cli_error("testing rules: %s", d.text);
        return SH_EXIT_ERROR;
    }
    if (a.sigma_tests) {
        sh_sigma_set *set = NULL;
        size_t sp = 0, sf = 0;
        if (load_sigma(&set, &a))
            return SH_EXIT_ERROR;
        rc = sh_sigma_test_pack(set, a.sigma_tests, on_sigma_case, NULL, &sp, &sf);
        sh_sigma_set_free(set);
        if (rc) {
            sh_cli_error("testing Sigma rules: %s", sh_status_str(rc));
            return SH_EXIT_ERROR;
        }
        passed += sp;
        failed += sf;
    }
    printf("%zu passed, %zu failed\n", passed, failed);
    return failed ? SH_EXIT_FINDINGS : SH_EXIT_OK;
}

static int run_lint(int argc, char **argv)
{
    struct rules_args a;
    sh_rules_options o = SH_RULES_OPTIONS_INIT;
    sh_ruleset *rs = NULL;
    size_t problems = 0;
    sh_diag d;
    int i, rc;

    memset(&a, 0, sizeof(a));
    for (i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && strcmp(argv[i], "-") != 0) {
            sh_cli_error("unknown option '%s' (see 'salthunt rules --help')", argv[i]);
            return SH_EXIT_ERROR;
        }
        if (a.n_paths >= MAX_PATHS) {
            sh_cli_error("too many paths (at most %d)", MAX_PATHS);
            return SH_EXIT_ERROR;
        }
        a.paths[a.n_paths++] = argv[i];
    }
    if (a.n_paths == 0) {
        sh_cli_error("rules lint needs at least one rule file or folder");
        return SH_EXIT_ERROR;
    }
    o.no_builtin = true;
    o.paths = a.paths;
    o.on_diag = print_diag;
    o.diag_ud = &problems;
    rc = sh_ruleset_load(&rs, &o, &d);
    if (rc && !problems)
        problems = 1;
    {
        size_t sigma_errors = 0;
        if (sh_sigma_lint(a.paths, a.n_paths, false, NULL, print_sigma_diag, NULL, &sigma_errors) !=
            0) {
            sh_ruleset_free(rs);
            sh_cli_error("out of memory");
            return SH_EXIT_ERROR;
        }
        problems += sigma_errors;
    }
    if (problems) {
        sh_ruleset_free(rs);
        fprintf(stderr, "%zu problem%s\n", problems, problems == 1 ? "" : "s");
        return SH_EXIT_ERROR;
    }
    printf("%zu config rules ok\n", sh_ruleset_count(rs));
    sh_ruleset_free(rs);
    return SH_EXIT_OK;
}

struct export_ctx {
    bool pcre2;
    size_t printed;
    size_t skipped;
};

/* Constructs ripgrep's default (Rust) regex engine does not have. */
static bool pcre_only(const char *re)
{
    static const char *const bad[] = {"(?=", "(?!", "(?<=", "(?<!", "(?>", "*+",  "++",
                                      "?+",  "}+",  "\\g",  "\\k",  "\\K", "\\h", "\\R"};
    const char *p;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (strstr(re, bad[i]))
            return true;
    for (p = re; (p = strchr(p, '\\')) != NULL; p += 2) {
        if (p[1] >= '1' && p[1] <= '9')
            return true; /* back-reference */
        if (!p[1])
            break;
    }
    return false;
}

static void export_one(const char *re, bool nocase, void *ud)
{
    struct export_ctx *e = ud;
    const char *p;

    if (!e->pcre2 && pcre_only(re)) {
        e->skipped++;
        return;
    }
    if (nocase)
        fputs("(?i)", stdout);
    for (p = re; *p; p++) {
        if (*p == '\\' && p[1]) {
            putchar(p[0]);
            putchar(p[1]);
            p++;
            continue;
        }
        /* ripgrep joins all patterns into one regex, where repeated group
         * names clash: named groups become plain groups (names only matter
         * for captures, which a line search does not use). */
        if (p[0] == '(' && p[1] == '?' && (p[2] == '<' || (p[2] == 'P' && p[3] == '<')) &&
            p[2 + (p[2] == 'P') + 1] != '=' && p[2 + (p[2] == 'P') + 1] != '!') {
            const char *end = strchr(p, '>');
            if (end) {
                fputs("(?:", stdout);
                p = end;
                continue;
            }
        }
        putchar(*p);
    }
    putchar('\n');
    e->printed++;
}

static int run_export(int argc, char **argv)
{
    struct rules_args a;
    struct export_ctx e = {false, 0, 0};
    sh_ruleset *rs = NULL;

    if (parse_args(&a, argc, argv, false, true) || load(&rs, &a))
        return SH_EXIT_ERROR;
    e.pcre2 = a.pcre2;
    sh_ruleset_each_pattern(rs, export_one, &e);
    sh_ruleset_free(rs);
    if (e.skipped)
        fprintf(stderr,
                "salthunt: %zu pattern%s use PCRE-only syntax and were left out "
                "(use --pcre2 with 'rg -P')\n",
                e.skipped, e.skipped == 1 ? "" : "s");
    return SH_EXIT_OK;
}

int sh_cmd_rules(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? SH_EXIT_ERROR : SH_EXIT_OK;
    }
    if (sh_cli_wants_help(argc - 1, argv + 1)) {
        fputs(usage_text, stdout);
        return SH_EXIT_OK;
    }
    if (strcmp(argv[1], "list") == 0)
        return run_list(argc - 1, argv + 1);
    if (strcmp(argv[1], "test") == 0)
        return run_test(argc - 1, argv + 1);
    if (strcmp(argv[1], "lint") == 0)
        return run_lint(argc - 1, argv + 1);
    if (strcmp(argv[1], "export-patterns") == 0)
        return run_export(argc - 1, argv + 1);
    sh_cli_error("unknown rules command '%s' (list, test, lint, export-patterns)", argv[1]);
    return SH_EXIT_ERROR;
}
