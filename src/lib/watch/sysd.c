/*
 * sysd.c - systemd integration without libsystemd, privilege drop, clocks.
 *
 * sd_notify is one datagram of "KEY=VALUE\n" lines to the AF_UNIX socket in
 * $NOTIFY_SOCKET (an abstract socket when it starts with '@'). The privilege
 * drop runs once, after every privileged socket is bound and every output
 * file opened, and before any message is read. Thread-safe (no shared state).
 */
#include "../base/sh_base.h"

#include "watch_int.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

void sh_watch__notify(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sun;
    size_t plen;
    socklen_t alen;
    int fd;

    if (!path || (path[0] != '/' && path[0] != '@'))
        return;
    plen = strlen(path);
    if (plen >= sizeof(sun.sun_path))
        return;
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, path, plen);
    if (path[0] == '@')
        sun.sun_path[0] = '\0';
    alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    (void)sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sun, alen);
    close(fd);
}

int sh_watch__drop_privileges(const char *user, sh_diag *diag)
{
    struct passwd pw, *res = NULL;
    char buf[4096];
    int e;

    e = getpwnam_r(user, &pw, buf, sizeof(buf), &res);
    if (e != 0 || !res)
        return sh_diag_set(diag, SH_EINVAL, NULL, 0, "unknown user '%.60s'", user);
    if (getuid() == pw.pw_uid && geteuid() == pw.pw_uid)
        return SH_OK;
    if (setgroups(0, NULL) != 0 && errno != EPERM)
        return sh_diag_set(diag, SH_EIO, NULL, 0, "setgroups: %s", strerror(errno));
    if (setgid(pw.pw_gid) != 0)
        return sh_diag_set(diag, SH_EIO, NULL, 0, "setgid %u: %s", (unsigned)pw.pw_gid,
                           strerror(errno));
    if (setuid(pw.pw_uid) != 0)
        return sh_diag_set(diag, SH_EIO, NULL, 0, "setuid %u: %s", (unsigned)pw.pw_uid,
                           strerror(errno));
    /* must not be able to regain root */
    if (pw.pw_uid != 0 && setuid(0) == 0)
        return sh_diag_set(diag, SH_EINTERNAL, NULL, 0, "privileges could be regained");
    return SH_OK;
}

int64_t sh_watch__now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t sh_watch__mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
