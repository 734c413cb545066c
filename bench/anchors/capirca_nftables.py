#!/usr/bin/env python3
"""Anchor for the compile benchmark: Capirca (Debian's python3-capirca) or
Aerleon (PyPI) rendering nftables from the policy that secgroups compiles.

  capirca_nftables.py --impl capirca|aerleon POLICY.json --runs N --warmup W [--out FILE.nft]

POLICY.json is a secgroups policy document ({prefix_lists, security_groups} in
API shape). The generator below writes the equivalent Capirca policy:

  * every prefix list becomes a network definition (NETWORKS.net) of its CIDRs,
    IPv4 and IPv6 alike; a policy with any IPv6 network gets `mixed` filters
    (Capirca's and Aerleon's name for IPv4 + IPv6: an nft `inet` table, each
    term's IPv4 networks as `ip` and its IPv6 ones as `ip6` matches), an
    IPv4-only one `inet` filters (their name for IPv4 only, as before);
    an inline CIDR of a rule becomes a one-address network definition;
  * every rule becomes one term, in the rules' evaluation order (ascending
    `order`, then group id, then rule id: first match decides, as in Capirca);
    inbound rules go to a filter on the input hook (source-address), outbound
    ones to a filter on the output hook (destination-address);
  * protocol 6/17 -> tcp/udp with a service definition (SERVICES.svc) of the
    rule's ports, 1 -> icmp, 58 -> icmpv6, 0 -> no protocol token (all); action accept or
    drop -> accept or deny; the filter's default is drop (header without
    ACCEPT), as secgroups drops what no rule allows.

Then it times, in this process, what `aclgen` does for one policy: read the
definitions, parse the policy (with its default optimisation: address
collapsing) and render the nftables text. The generation step is not timed.
Prints one JSON object: samples (wall ms, and CPU ms of this process:
time.process_time), peak RSS (KiB), output size.
"""
import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time

PROTO = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}


def ports_of(text):
    out = []
    for part in text.replace(" ", "").split(","):
        if part:
            out.append(part)
    return out


def generate(doc, directory):
    """Writes NETWORKS.net, SERVICES.svc and policy.pol; returns the policy text."""
    defs = os.path.join(directory, "def")
    os.makedirs(defs, exist_ok=True)
    net_lines = []
    names = {}
    for i, lst in enumerate(doc.get("prefix_lists", [])):
        name = "PL_%d" % i
        names[lst["id"]] = name
        cidrs = [p["cidr"] for p in lst["prefixes"]]
        net_lines.append("%s = %s" % (name, cidrs[0] if cidrs else "0.0.0.0/32"))
        for c in cidrs[1:]:
            net_lines.append("    %s" % c)
    rules = []
    for g in doc.get("security_groups", []):
        for k, r in enumerate(g["rules"]):
            rules.append((r["order"], g["id"], r.get("id", "%08d" % k), r))
    rules.sort(key=lambda t: (t[0], t[1], t[2]))
    svc_lines = []
    terms = {"inbound": [], "outbound": []}
    for n, (_, _, _, r) in enumerate(rules):
        addr = r["address"]
        if addr in names:
            net = names[addr]
        else:
            net = "RULE_NET_%d" % n
            net_lines.append("%s = %s" % (net, addr))
        proto = int(r.get("protocol", 0))
        lines = ["term rule-%d {" % n]
        lines.append("  %s:: %s" % ("source-address" if r["direction"] == "inbound" else "destination-address", net))
        if proto in PROTO:
            lines.append("  protocol:: %s" % PROTO[proto])
        elif proto != 0:
            lines.append("  protocol:: %d" % proto)
        if proto in (6, 17) and r.get("port"):
            svc = "RULE_SVC_%d" % n
            svc_lines.append("%s = %s" % (svc, " ".join("%s/%s" % (p, PROTO[proto]) for p in ports_of(r["port"]))))
            lines.append("  destination-port:: %s" % svc)
        lines.append("  action:: %s" % ("deny" if r.get("action") == "drop" else "accept"))
        lines.append("}")
        terms[r["direction"]].append("\n".join(lines))
    with open(os.path.join(defs, "NETWORKS.net"), "w") as f:
        f.write("\n".join(net_lines) + "\n")
    with open(os.path.join(defs, "SERVICES.svc"), "w") as f:
        f.write("\n".join(svc_lines) + "\n")
    # Capirca's address families: `inet` is IPv4 only, `mixed` IPv4 and IPv6 (an nft `inet` table).
    family = "mixed" if any(":" in line for line in net_lines) else "inet"
    parts = []
    for direction, hook in (("inbound", "input"), ("outbound", "output")):
        if not terms[direction]:
            continue
        parts.append("header {\n  comment:: \"secgroups %s\"\n  target:: nftables %s %s\n}\n" % (direction, family, hook))
        parts.append("\n".join(terms[direction]) + "\n")
    text = "\n".join(parts)
    with open(os.path.join(directory, "policy.pol"), "w") as f:
        f.write(text)
    return text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--impl", choices=["capirca", "aerleon"], required=True)
    ap.add_argument("policy")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--out")
    ap.add_argument("--keep", help="also copy the generated policy and definitions to this directory")
    args = ap.parse_args()
    if args.impl == "capirca":
        from capirca.lib import naming, nftables, policy
    else:
        import logging

        from aerleon.lib import naming, nftables, policy

        logging.disable(logging.WARNING)
    import logging

    logging.disable(logging.WARNING)
    with open(args.policy) as f:
        doc = json.load(f)
    work = tempfile.mkdtemp(prefix="sg-anchor-")
    try:
        generate(doc, work)
        if args.keep:
            shutil.copytree(work, args.keep, dirs_exist_ok=True)
        samples = []
        cpu_samples = []
        out = ""
        for i in range(args.warmup + args.runs):
            t0 = time.perf_counter()
            c0 = time.process_time()
            defs = naming.Naming(os.path.join(work, "def"))
            with open(os.path.join(work, "policy.pol")) as f:
                text = f.read()
            pol = policy.ParsePolicy(text, defs, optimize=True)
            out = str(nftables.Nftables(pol, 2))
            ms = (time.perf_counter() - t0) * 1000
            cpu_ms = (time.process_time() - c0) * 1000
            if i >= args.warmup:
                samples.append(ms)
                cpu_samples.append(cpu_ms)
        if args.out:
            with open(args.out, "w") as f:
                f.write(out)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"impl": args.impl, "samples_ms": samples, "cpu_samples_ms": cpu_samples, "peak_rss_kib": peak, "output_bytes": len(out), "python": sys.version.split()[0]}))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
