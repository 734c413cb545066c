#!/usr/bin/env python3
"""Sends raw IPv4 and IPv6 packets described as JSON on stdin (a list of
objects: src, dst, protocol, id, ttl, and sport/dport for TCP (a SYN) and UDP,
type/code for ICMP and ICMPv6 (an echo-style body)). An address with a colon
makes an IPv6 packet: `id` goes in its flow label, `ttl` in its hop limit.
Checksums (with the IPv6 pseudo-header for TCP, UDP and ICMPv6) are computed,
so connection tracking sees valid packets. Every `pause` packets (default 200)
it sleeps a millisecond, so that a burst never overflows the receiver's
backlog queue. Prints the number the local firewall let out."""
import json, random, socket, struct, sys, time

IPV6_HDRINCL = 36


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def l4(p, pseudo):
    """The upper-layer packet; pseudo(length) is the pseudo-header its checksum covers."""
    proto = p["protocol"]
    if proto == 6:
        hdr = struct.pack("!HHIIBBHHH", p["sport"], p["dport"], random.randrange(1 << 32), 0, 5 << 4, 0x02, 64240, 0, 0)
        c = checksum(pseudo(len(hdr)) + hdr)
        return hdr[:16] + struct.pack("!H", c) + hdr[18:]
    if proto == 17:
        body = b"secgroups"
        length = 8 + len(body)
        hdr = struct.pack("!HHHH", p["sport"], p["dport"], length, 0)
        c = checksum(pseudo(length) + hdr + body) or 0xFFFF
        return struct.pack("!HHHH", p["sport"], p["dport"], length, c) + body
    if proto in (1, 58):
        # A fresh echo id each time: a reused one could match an answered request.
        body = struct.pack("!HH", random.randrange(1, 65536), 1) + b"secgroups-probe!"
        hdr = struct.pack("!BBH", p["type"], p["code"], 0)
        # ICMP sums its own bytes; ICMPv6 the pseudo-header too.
        c = checksum((pseudo(len(hdr) + len(body)) if proto == 58 else b"") + hdr + body)
        return struct.pack("!BBH", p["type"], p["code"], c) + body
    return b"secgroups-probe-payload!"


def ipv4(p):
    src, dst = socket.inet_aton(p["src"]), socket.inet_aton(p["dst"])
    payload = l4(p, lambda length: src + dst + struct.pack("!BBH", 0, p["protocol"], length))
    total = 20 + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, p["id"], 0, p["ttl"], p["protocol"], 0, src, dst)
    return ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:] + payload


def ipv6(p):
    src, dst = socket.inet_pton(socket.AF_INET6, p["src"]), socket.inet_pton(socket.AF_INET6, p["dst"])
    payload = l4(p, lambda length: src + dst + struct.pack("!I3xB", length, p["protocol"]))
    first = (6 << 28) | (p["id"] & 0xFFFFF)
    return struct.pack("!IHBB16s16s", first, len(payload), p["protocol"], p["ttl"], src, dst) + payload


def main():
    packets = json.load(sys.stdin)
    pause = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s6.setsockopt(socket.IPPROTO_IPV6, IPV6_HDRINCL, 1)
    sent = 0
    for n, p in enumerate(packets):
        six = ":" in p["dst"]
        try:
            if six:
                s6.sendto(ipv6(p), (p["dst"], 0))
            else:
                s4.sendto(ipv4(p), (p["dst"], 0))
            sent += 1
        except PermissionError:
            pass  # a local firewall dropped it on output: that is a verdict, not an error
        if pause and n % pause == pause - 1:
            time.sleep(0.001)
    print(sent)


main()
