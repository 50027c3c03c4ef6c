/*
 * test_finding.c - findings built in one block behave like findings built
 * field by field: same text, deep copies, fingerprints, and fields a later
 * step fills or replaces are owned as usual (ASan checks the frees).
 */
#include "base/sh_base.h"

#include "engine/finding_block.h"
#include "test.h"

static const char *const attack[] = {"T1098", "T1562.004"};
static const char *const refs[] = {"AA25-239A", "https://example.org/a"};

static sh_finding *block(const char *device)
{
    struct sh_finding_fields in;

    memset(&in, 0, sizeof(in));
    in.rule = "SALT-R1";
    in.title = "A title";
    in.device = device;
    in.platform = "ios";
    in.path = "cfg/r1.cfg";
    in.evidence = "snmp-server community public RW";
    in.message = "r1 has a read-write community";
    in.attack = attack;
    in.n_attack = SH_ARRAY_LEN(attack);
    in.references = refs;
    in.n_references = SH_ARRAY_LEN(refs);
    return sh_finding__new_block(&in);
}

static sh_finding *by_field(const char *device)
{
    sh_finding *f = sh_finding_new();

    if (!f)
        return NULL;
    f->rule = sh_strdup("SALT-R1");
    f->title = sh_strdup("A title");
    f->device = device ? sh_strdup(device) : NULL;
    f->platform = sh_strdup("ios");
    f->path = sh_strdup("cfg/r1.cfg");
    f->evidence = sh_strdup("snmp-server community public RW");
    f->message = sh_strdup("r1 has a read-write community");
    sh_strlist_push(&f->attack, attack[0]);
    sh_strlist_push(&f->attack, attack[1]);
    sh_strlist_push(&f->references, refs[0]);
    sh_strlist_push(&f->references, refs[1]);
    return f;
}

SH_TEST(block_finding_holds_the_same_text)
{
    sh_finding *a = block("r1"), *b = by_field("r1");
    size_t i;

    CHECK(a && b);
    if (!a || !b)
        goto out;
    CHECK_STR(a->rule, b->rule);
    CHECK_STR(a->title, b->title);
    CHECK_STR(a->device, b->device);
    CHECK_STR(a->platform, b->platform);
    CHECK_STR(a->path, b->path);
    CHECK_STR(a->evidence, b->evidence);
    CHECK_STR(a->message, b->message);
    CHECK(a->remediation == NULL);
    CHECK_EQ_INT(a->attack.n, 2);
    CHECK_EQ_INT(a->references.n, 2);
    for (i = 0; i < 2; i++) {
        CHECK_STR(a->attack.v[i], attack[i]);
        CHECK_STR(a->references.v[i], refs[i]);
    }
    /* Copied, not borrowed. */
    CHECK(a->attack.v[0] != attack[0]);
    sh_finding_fingerprint(a);
    sh_finding_fingerprint(b);
    CHECK_STR(a->fingerprint, b->fingerprint);
out:
    sh_finding_free(a);
    sh_finding_free(b);
}

SH_TEST(block_finding_dup_is_owned_and_absent_fields_stay_fillable)
{
    sh_finding *a = block(NULL), *d;

    CHECK(a != NULL);
    if (!a)
        return;
    CHECK(a->device == NULL);
    CHECK((a->in_block & SH_FINDING_IN_BLOCK_DEVICE) == 0);
    /* A later step (the indicator join) names the device. */
    a->device = sh_strdup("r1");
    d = sh_finding_dup(a);
    CHECK(d != NULL);
    if (d) {
        CHECK_EQ_INT(d->in_block, 0);
        CHECK_STR(d->device, "r1");
        CHECK_STR(d->evidence, a->evidence);
        CHECK(d->evidence != a->evidence);
        CHECK_EQ_INT(d->references.n, 2);
        /* A copy's lists grow like any finding's. */
        CHECK_OK(sh_strlist_push(&d->references, "extra"));
    }
    /* Replacing a block string: assign an owned one, clear its bit. */
    a->message = sh_strdup("replaced");
    a->in_block &= ~SH_FINDING_IN_BLOCK_MESSAGE;
    sh_finding_free(d);
    sh_finding_free(a);
}

SH_TEST(block_finding_with_nothing)
{
    struct sh_finding_fields in;
    sh_finding *f;

    memset(&in, 0, sizeof(in));
    f = sh_finding__new_block(&in);
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK_EQ_INT(f->in_block, 0);
    CHECK(f->rule == NULL && f->attack.n == 0 && f->references.v == NULL);
    CHECK_OK(sh_strlist_push(&f->attack, "T1"));
    sh_finding_free(f);
}
