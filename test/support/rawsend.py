#!/usr/bin/env python3
"""Sends raw IPv4 packets described as JSON on stdin (a list of objects:
src, dst, protocol, id, ttl, and sport/dport for TCP (a SYN) and UDP,
type/code for ICMP (an echo-style body)). Checksums are computed, so
connection tracking sees valid packets. Prints the number the local firewall let out."""
import json, random, socket, struct, sys


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def l4(p, src, dst):
    proto = p["protocol"]
    pseudo = lambda length: src + dst + struct.pack("!BBH", 0, proto, length)
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
    if proto == 1:
        # A fresh echo id each time: a reused one could match an answered request.
        body = struct.pack("!HH", random.randrange(1, 65536), 1) + b"secgroups-probe!"
        hdr = struct.pack("!BBH", p["type"], p["code"], 0)
        c = checksum(hdr + body)
        return struct.pack("!BBH", p["type"], p["code"], c) + body
    return b"secgroups-probe-payload!"


def main():
    packets = json.load(sys.stdin)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sent = 0
    for p in packets:
        src, dst = socket.inet_aton(p["src"]), socket.inet_aton(p["dst"])
        payload = l4(p, src, dst)
        total = 20 + len(payload)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, p["id"], 0, p["ttl"], p["protocol"], 0, src, dst)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        try:
            s.sendto(ip + payload, (p["dst"], 0))
            sent += 1
        except PermissionError:
            pass  # a local firewall dropped it on output: that is a verdict, not an error
    print(sent)


main()
