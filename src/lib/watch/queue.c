/*
 * queue.c - the bounded message queue from the I/O thread to the
 * processing thread.
 *
 * One producer (the I/O thread), one consumer (the processing thread),
 * a mutex and two condition variables. Capacity counts messages; TCP
 * producers wait for room (back-pressure reaches the sender through TCP
 * flow control), UDP producers never wait and count a drop instead.
 *
 * Messages travel in chains: everything one read produced is copied into
 * items carved from a shared block (one allocation per WATCH_BLOCK_BYTES
 * instead of one per message) and linked into the queue under one lock.
 * A block counts references atomically: one per item not yet freed, plus
 * one while the chain is still filling it (the producer keeps filling a
 * block across pushes while the consumer frees its earlier items).
 * Whoever drops the last reference frees the block.
 */
#include "../base/sh_base.h"

#include "watch_int.h"

#include <stdio.h>

#define ITEM_ALIGN 16

static size_t item_bytes(size_t len)
{
    size_t n = sizeof(struct sh_watch_item) + len + 1;

    return (n + ITEM_ALIGN - 1) & ~(size_t)(ITEM_ALIGN - 1);
}

int sh_watch__queue_init(struct sh_watch_queue *q, size_t cap, struct sh_watch_stats *st)
{
    SH_ASSERT_ARG(q && cap > 0);
    memset(q, 0, sizeof(*q));
    q->cap = cap;
    q->st = st;
    if (pthread_mutex_init(&q->mu, NULL) != 0)
        return SH_EINTERNAL;
    pthread_cond_init(&q->not_empty, NULL);
    pthread_cond_init(&q->not_full, NULL);
    return SH_OK;
}

void sh_watch__item_free(struct sh_watch_item *it)
{
    if (it && atomic_fetch_sub(&it->blk->live, 1) == 1)
        sh_free(it->blk);
}

static void free_list(struct sh_watch_item *it)
{
    struct sh_watch_item *next;

    for (; it; it = next) {
        next = it->next;
        sh_watch__item_free(it);
    }
}

void sh_watch__queue_destroy(struct sh_watch_queue *q)
{
    if (!q)
        return;
    free_list(q->head);
    q->head = q->tail = NULL;
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->not_full);
    pthread_mutex_destroy(&q->mu);
}

void sh_watch__chain_init(struct sh_watch_chain *c)
{
    memset(c, 0, sizeof(*c));
}

/* The chain stops filling its block and drops its reference. */
static void chain_drop_block(struct sh_watch_chain *c)
{
    if (c->blk && atomic_fetch_sub(&c->blk->live, 1) == 1)
        sh_free(c->blk);
    c->blk = NULL;
    c->used = c->cap = 0;
}

void sh_watch__chain_release(struct sh_watch_chain *c)
{
    free_list(c->head);
    c->head = c->tail = NULL;
    c->n = 0;
    chain_drop_block(c);
}

int sh_watch__chain_add(struct sh_watch_chain *c, const char *data, size_t len, bool truncated,
                        int proto, const char *peer, int64_t recv_ms)
{
    struct sh_watch_item *it;
    size_t need;

    if (len > UINT32_MAX)
        return SH_ELIMIT;
    need = item_bytes(len);
    if (!c->blk || c->cap - c->used < need) {
        /* items start ITEM_ALIGN-aligned after the block header */
        size_t hdr = (sizeof(struct sh_watch_block) + ITEM_ALIGN - 1) & ~(size_t)(ITEM_ALIGN - 1);
        size_t cap = need > WATCH_BLOCK_BYTES ? need : WATCH_BLOCK_BYTES;
        struct sh_watch_block *b = sh_malloc(hdr + cap);
        if (!b)
            return SH_ENOMEM;
        chain_drop_block(c);
        atomic_init(&b->live, 1); /* the chain's own reference */
        c->blk = b;
        c->used = hdr;
        c->cap = hdr + cap;
    }
    it = (struct sh_watch_item *)(void *)((char *)c->blk + c->used);
    c->used += need;
    atomic_fetch_add(&c->blk->live, 1);
    it->next = NULL;
    it->blk = c->blk;
    it->recv_ms = recv_ms;
    it->len = (uint32_t)len;
    it->proto = (uint8_t)proto;
    it->truncated = truncated;
    {
        size_t pl = peer ? strnlen(peer, sizeof(it->peer) - 1) : 0;
        memcpy(it->peer, peer ? peer : "", pl);
        it->peer[pl] = '\0';
    }
    memcpy(it->data, data, len);
    it->data[len] = '\0';
    if (c->tail)
        c->tail->next = it;
    else
        c->head = it;
    c->tail = it;
    c->n++;
    return SH_OK;
}

static void note_depth(struct sh_watch_queue *q)
{
    if (q->st) {
        atomic_store(&q->st->queue_depth, q->n);
        if (q->n > atomic_load(&q->st->queue_high))
            atomic_store(&q->st->queue_high, q->n);
    }
}

void sh_watch__queue_push_chain(struct sh_watch_queue *q, struct sh_watch_chain *c, bool wait,
                                size_t *dropped)
{
    struct sh_watch_item *first = c->head, *last = NULL, *rest = NULL;
    size_t k = 0, lost = 0;

    if (dropped)
        *dropped = 0;
    if (!first)
        return;
    pthread_mutex_lock(&q->mu);
    while (q->n >= q->cap && wait && !q->closed) {
        q->producer_waiting = true;
        pthread_cond_wait(&q->not_full, &q->mu);
        q->producer_waiting = false;
    }
    if (!q->closed) {
        size_t room = wait ? c->n : q->n < q->cap ? q->cap - q->n : 0;
        /* split the chain after the first `room` items */
        for (last = NULL, rest = first; rest && k < room; k++) {
            last = rest;
            rest = rest->next;
        }
        if (last) {
            last->next = NULL;
            if (q->tail)
                q->tail->next = first;
            else
                q->head = first;
            q->tail = last;
            q->n += k;
            note_depth(q);
            /* the consumer sleeps only on an empty queue: wake it on the first items */
            if (q->n == k)
                pthread_cond_signal(&q->not_empty);
        }
    } else {
        rest = first;
    }
    pthread_mutex_unlock(&q->mu);
    lost = c->n - k;
    c->head = c->tail = NULL;
    c->n = 0;
    free_list(rest);
    if (dropped)
        *dropped = lost;
}

void sh_watch__queue_close(struct sh_watch_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = true;
    pthread_cond_broadcast(&q->not_empty);
    pthread_cond_broadcast(&q->not_full);
    pthread_mutex_unlock(&q->mu);
}

void sh_watch__queue_request_reload(struct sh_watch_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->reload = true;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
}
