/*
 * test_arena.c - the bump allocator: zeroed and raw allocations, and
 * sh_arena_reset keeping blocks for reuse within its bound.
 */
#include "base/sh_base.h"

#include "test.h"

SH_TEST(reset_keeps_blocks_and_zeroes_again)
{
    struct sh_arena a;
    char *p, *q;
    size_t i;
    bool zero = true;

    sh_arena_init(&a, 0);
    p = sh_arena_alloc_raw(&a, 1000);
    CHECK(p != NULL);
    if (!p)
        return;
    memset(p, 0x5a, 1000);
    sh_arena_reset(&a, (size_t)1 << 20);
    CHECK_EQ_INT(a.used_total, 0);
    q = sh_arena_alloc(&a, 1000);
    CHECK(q != NULL);
    for (i = 0; q && i < 1000; i++)
        zero = zero && q[i] == 0;
    CHECK(zero);
#ifndef SH_DEBUG_ARENA
    CHECK(q == p); /* the kept block is taken again */
#endif
    sh_arena_free(&a);
}

SH_TEST(reset_bound_and_large_allocations)
{
    struct sh_arena a;
    char *big;
    int k;

    sh_arena_init(&a, 0);
    for (k = 0; k < 3; k++) {
        /* Larger than any kept block: a new one, then kept within the bound. */
        big = sh_arena_alloc_raw(&a, (size_t)200000 * (size_t)(k + 1));
        CHECK(big != NULL);
        if (big)
            memset(big, k, (size_t)200000 * (size_t)(k + 1));
        CHECK(sh_arena_strdup(&a, "after the big one") != NULL);
        sh_arena_reset(&a, (size_t)256 << 10);
    }
#ifndef SH_DEBUG_ARENA
    CHECK(a.spare != NULL);
#endif
    sh_arena_reset(&a, 0); /* keep nothing: every block freed */
    CHECK(a.head == NULL && a.used_total == 0);
    CHECK_STR(sh_arena_strdup(&a, "again"), "again");
    sh_arena_free(&a);
    CHECK(a.head == NULL && a.spare == NULL);
}
