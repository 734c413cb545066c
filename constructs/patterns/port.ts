/**
 * What a rule matches besides its peer, as a typed value (aws-cdk's `Port`):
 * `Port.tcp(5432)`, `Port.udpRange(1024, 2048)`, `Port.icmpPing()`. A Port
 * renders itself to the rule fields `protocol`, `port`, `icmp_type` and
 * `icmp_code`; constructs never re-parse its text. Port text is core/model's
 * normalized form (parsePorts), so a Port and a hand-written rule compare equal.
 */
import { PROTOCOL, parsePorts } from "../../core/model";
import { PatternError } from "./spec";

/** The rule fields a Port stands for. */
export interface PortFields {
  readonly protocol: number;
  /** "" for protocols without ports. */
  readonly port: string;
  readonly icmp_type: number | null;
  readonly icmp_code: number | null;
}

/** ICMP echo request types: 8 for ICMP (IPv4), 128 for ICMPv6. */
const ECHO_REQUEST = { icmp: 8, icmpv6: 128 } as const;

export class Port implements PortFields {
  /** One TCP port. */
  static tcp(port: number): Port {
    return Port.ported("tcp", PROTOCOL.TCP, `Port.tcp(${String(port)})`, port, port);
  }

  /** TCP ports `from` to `to`, both included. */
  static tcpRange(from: number, to: number): Port {
    return Port.ported("tcp", PROTOCOL.TCP, `Port.tcpRange(${String(from)}, ${String(to)})`, from, to);
  }

  /** Every TCP port (1-65535). */
  static allTcp(): Port {
    return Port.ported("tcp", PROTOCOL.TCP, "Port.allTcp()", 1, 65535);
  }

  /** One UDP port. */
  static udp(port: number): Port {
    return Port.ported("udp", PROTOCOL.UDP, `Port.udp(${String(port)})`, port, port);
  }

  /** UDP ports `from` to `to`, both included. */
  static udpRange(from: number, to: number): Port {
    return Port.ported("udp", PROTOCOL.UDP, `Port.udpRange(${String(from)}, ${String(to)})`, from, to);
  }

  /** Every UDP port (1-65535). */
  static allUdp(): Port {
    return Port.ported("udp", PROTOCOL.UDP, "Port.allUdp()", 1, 65535);
  }

  /** Every protocol and port (protocol 0). */
  static allTraffic(): Port {
    return new Port(PROTOCOL.ALL, "", null, null, "all traffic");
  }

  /** ICMP echo request (ping), IPv4: protocol 1, type 8. With a group or prefix list peer it matches their IPv4 members. */
  static icmpPing(): Port {
    return new Port(PROTOCOL.ICMP, "", ECHO_REQUEST.icmp, null, "ICMP echo");
  }

  /** ICMPv6 echo request (ping6): protocol 58, type 128. With a group or prefix list peer it matches their IPv6 members. */
  static icmpv6Ping(): Port {
    return new Port(PROTOCOL.ICMPV6, "", ECHO_REQUEST.icmpv6, null, "ICMPv6 echo");
  }

  /** Every ICMP (IPv4) message. */
  static allIcmp(): Port {
    return new Port(PROTOCOL.ICMP, "", null, null, "all ICMP");
  }

  /** Every ICMPv6 message (the ones IPv6 needs are allowed anyway). */
  static allIcmpv6(): Port {
    return new Port(PROTOCOL.ICMPV6, "", null, null, "all ICMPv6");
  }

  /** One ICMP (IPv4) type, and optionally one code of it. */
  static icmpType(type: number, code?: number): Port {
    return Port.icmp(PROTOCOL.ICMP, "ICMP", `Port.icmpType(${String(type)}${code === undefined ? "" : `, ${String(code)}`})`, type, code);
  }

  /** One ICMPv6 type, and optionally one code of it. */
  static icmpv6Type(type: number, code?: number): Port {
    return Port.icmp(
      PROTOCOL.ICMPV6,
      "ICMPv6",
      `Port.icmpv6Type(${String(type)}${code === undefined ? "" : `, ${String(code)}`})`,
      type,
      code,
    );
  }

  private constructor(
    readonly protocol: number,
    readonly port: string,
    readonly icmp_type: number | null,
    readonly icmp_code: number | null,
    private readonly label: string,
  ) {
    Object.freeze(this);
  }

  /** The rule fields, for a RuleSpec. */
  toRuleFields(): PortFields {
    return { protocol: this.protocol, port: this.port, icmp_type: this.icmp_type, icmp_code: this.icmp_code };
  }

  /** "tcp/5432", "udp/1024-2048", "all traffic", "ICMP echo": for rule descriptions. */
  toString(): string {
    return this.label;
  }

  private static ported(name: string, protocol: number, call: string, from: number, to: number): Port {
    for (const p of [from, to]) {
      if (typeof p !== "number" || !Number.isInteger(p)) {
        throw new PatternError(`${call}: ports are whole numbers from 1 to 65535, got ${JSON.stringify(p)}`);
      }
    }
    if (from > to) {
      const fix = call.replace(/\(.*\)/, `(${to}, ${from})`);
      throw new PatternError(`${call}: the range is reversed; did you mean ${fix}?`);
    }
    // core/model's one port grammar decides what is in range and gives the stored text.
    const parsed = parsePorts(from === to ? String(from) : `${from}-${to}`);
    if (!parsed.ok) throw new PatternError(`${call}: ${parsed.message}`);
    return new Port(protocol, parsed.normalized, null, null, `${name}/${parsed.normalized}`);
  }

  private static icmp(protocol: number, name: string, call: string, type: number, code: number | undefined): Port {
    for (const [what, v] of [
      ["type", type],
      ["code", code],
    ] as const) {
      if (v !== undefined && (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 255)) {
        throw new PatternError(`${call}: the ${name} ${what} must be a whole number from 0 to 255, got ${JSON.stringify(v)}`);
      }
    }
    return new Port(protocol, "", type, code ?? null, `${name} type ${type}${code === undefined ? "" : ` code ${code}`}`);
  }
}
