#!/usr/bin/env python3
"""sender.py - small syslog sender for the daemon tests (loopback only).

  sender.py lines PORT FILE        send FILE's lines over TCP, newline framing
  sender.py octet PORT FILE        same, RFC 6587 octet counting
  sender.py flood PORT N TEXT [C]  N copies of TEXT (+ " seq=i") over C connections as fast as
                                   possible; returns once the peer's kernel acknowledged every byte
  sender.py paced PORT N TEXT SECS N copies of TEXT (+ " seq=i") spread evenly over SECS
  sender.py hold PORT DATA SECS    connect, send DATA (may be empty), keep the connection open SECS
  sender.py slow PORT TEXT SECS    send TEXT+newline one byte at a time spread over SECS
  sender.py raw PORT HEXDATA       send raw bytes given in hex, then close
  sender.py listen-udp PORTFILE OUT SECS   receive datagrams on a free loopback port (written
                                   to PORTFILE) and append each as a line to OUT, for SECS
  sender.py listen-unix PATH OUT SECS      same on an AF_UNIX datagram socket (sd_notify)
"""
import fcntl
import socket
import struct
import sys
import termios
import time


def conn(port):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
    return s


def wait_acked(s, limit=20.0):
    # TIOCOUTQ: bytes not yet acknowledged by the peer
    end = time.time() + limit
    while time.time() < end:
        left = struct.unpack("i", fcntl.ioctl(s.fileno(), termios.TIOCOUTQ, b"\0\0\0\0"))[0]
        if left == 0:
            return True
        time.sleep(0.005)
    return False


def main():
    cmd, port = sys.argv[1], sys.argv[2]
    if cmd in ("lines", "octet"):
        with open(sys.argv[3], "rb") as f:
            lines = [l.rstrip(b"\r\n") for l in f if l.strip()]
        s = conn(port)
        for l in lines:
            s.sendall(l + b"\n" if cmd == "lines" else str(len(l)).encode() + b" " + l)
        wait_acked(s)
        s.close()
    elif cmd == "flood":
        n, text = int(sys.argv[3]), sys.argv[4].encode()
        c = int(sys.argv[5]) if len(sys.argv) > 5 else 1
        socks = [conn(port) for _ in range(c)]
        for i in range(0, n, 100):
            s = socks[(i // 100) % c]
            s.sendall(b"".join(text + b" seq=%d\n" % j for j in range(i, min(n, i + 100))))
        ok = all(wait_acked(s) for s in socks)
        print("acked" if ok else "not-acked", flush=True)
        # keep the connections open: the daemon must read what it acknowledged
        # even from senders that never close
        time.sleep(float(sys.argv[6]) if len(sys.argv) > 6 else 0)
        for s in socks:
            s.close()
    elif cmd == "paced":
        n, text, secs = int(sys.argv[3]), sys.argv[4].encode(), float(sys.argv[5])
        s = conn(port)
        start = time.time()
        for i in range(0, n, 50):
            s.sendall(b"".join(text + b" seq=%d\n" % j for j in range(i, min(n, i + 50))))
            pause = start + secs * (i + 50) / n - time.time()
            if pause > 0:
                time.sleep(pause)
        wait_acked(s)
        s.close()
    elif cmd == "hold":
        s = conn(port)
        if sys.argv[3]:
            s.sendall(sys.argv[3].encode())
        time.sleep(float(sys.argv[4]))
        s.close()
    elif cmd == "slow":
        data = sys.argv[3].encode() + b"\n"
        s = conn(port)
        delay = float(sys.argv[4]) / len(data)
        for b in data:
            s.sendall(bytes([b]))
            time.sleep(delay)
        wait_acked(s)
        s.close()
    elif cmd in ("listen-udp", "listen-unix"):
        out, secs = sys.argv[3], float(sys.argv[4])
        if cmd == "listen-udp":
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            with open(port + ".tmp", "w") as f:
                f.write(str(s.getsockname()[1]))
            import os
            os.rename(port + ".tmp", port)
        else:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.bind(port)
        end = time.time() + secs
        with open(out, "ab", buffering=0) as f:
            while time.time() < end:
                s.settimeout(max(0.01, end - time.time()))
                try:
                    data = s.recv(65536)
                except socket.timeout:
                    break
                f.write(data.replace(b"\n", b" ") + b"\n")
    elif cmd == "raw":
        s = conn(port)
        s.sendall(bytes.fromhex(sys.argv[3]))
        wait_acked(s)
        s.close()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
