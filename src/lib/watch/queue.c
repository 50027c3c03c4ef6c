/*
 * queue.c - the bounded message queue from the I/O thread to the
 * processing thread.
 *
 * One producer (the I/O thread), one consumer (the processing thread),
 * a mutex and two condition variables. Items are single allocations
 * holding their bytes. Capacity counts messages; TCP producers wait for
 * room (back-pressure reaches the sender through TCP flow control), UDP
 * producers never wait and count a drop instead.
 */
#include "../base/sh_base.h"

#include "watch_int.h"

#include <stdio.h>

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

void sh_watch__queue_destroy(struct sh_watch_queue *q)
{
    struct sh_watch_item *it, *next;

    if (!q)
        return;
    for (it = q->head; it; it = next) {
        next = it->next;
        sh_free(it);
    }
    q->head = q->tail = NULL;
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->not_full);
    pthread_mutex_destroy(&q->mu);
}

int sh_watch__queue_push(struct sh_watch_queue *q, const char *data, size_t len, bool truncated,
                         int proto, const char *peer, int64_t recv_ms, bool wait)
{
    struct sh_watch_item *it;

    if (len > UINT32_MAX)
        return SH_ELIMIT;
    it = sh_malloc(sizeof(*it) + len + 1);
    if (!it)
        return SH_ENOMEM;
    it->next = NULL;
    it->recv_ms = recv_ms;
    it->len = (uint32_t)len;
    it->proto = (uint8_t)proto;
    it->truncated = truncated;
    snprintf(it->peer, sizeof(it->peer), "%s", peer ? peer : "");
    memcpy(it->data, data, len);
    it->data[len] = '\0';

    pthread_mutex_lock(&q->mu);
    while (q->n >= q->cap && wait && !q->closed) {
        q->producer_waiting = true;
        pthread_cond_wait(&q->not_full, &q->mu);
        q->producer_waiting = false;
    }
    if (q->n >= q->cap || q->closed) {
        pthread_mutex_unlock(&q->mu);
        sh_free(it);
        return SH_ELIMIT;
    }
    if (q->tail)
        q->tail->next = it;
    else
        q->head = it;
    q->tail = it;
    q->n++;
    if (q->st) {
        atomic_store(&q->st->queue_depth, q->n);
        if (q->n > atomic_load(&q->st->queue_high))
            atomic_store(&q->st->queue_high, q->n);
    }
    /* the consumer sleeps only on an empty queue: wake it on the first item */
    if (q->n == 1)
        pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
    return SH_OK;
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
