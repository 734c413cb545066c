// secgroups-nft-elements prints the elements of nftables sets as the kernel
// holds them, read over netlink in one dump per set: the agent's fast
// read-back (kernel-dump.ts). `nft -j list set` of 100,000 interval elements
// costs nft 300 ms or more to decompose and print; the dump itself is a few
// tens of milliseconds. Nothing here interprets the elements: each is printed
// as the kernel stores it, so the caller can only find them equal to what it
// expects or fall back to nft, which stays the judge.
//
// usage: secgroups-nft-elements FAMILY TABLE [SET...]
//
// stdout, for one generation of the ruleset (the dumps are retried when a
// commit lands between or inside them):
//
//	gen N
//	set NAME                  then one line per element, in the kernel's order:
//	KEYHEX[ end][ attr=T:HEX...]  key bytes in hex; "end" for an interval end;
//	                          every other attribute the element has (type and
//	                          value), such as nft's user data on an open interval
//	set NAME missing          no such set
//
// Given no SET, it prints the generation alone (its commit counter, moved on by
// every transaction of any table: the iptables platform's proof that its chains
// did not change since it listed them).
//
// Exit status: 0 when printed, 1 on any other error (on stderr).
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

const (
	subsysNftables   = 10
	msgGetSetElem    = 13
	msgGetGen        = 16
	attrTable        = 1 // NFTA_SET_ELEM_LIST_TABLE
	attrSet          = 2 // NFTA_SET_ELEM_LIST_SET
	attrElements     = 3 // NFTA_SET_ELEM_LIST_ELEMENTS
	attrListElem     = 1 // NFTA_LIST_ELEM
	attrElemKey      = 1 // NFTA_SET_ELEM_KEY
	attrElemFlags    = 3 // NFTA_SET_ELEM_FLAGS
	attrDataValue    = 1 // NFTA_DATA_VALUE
	attrGenID        = 1 // NFTA_GEN_ID
	elemIntervalEnd  = 1 // NFT_SET_ELEM_INTERVAL_END
	attrTypeMask     = 0x3fff
	attempts         = 5
	maxWorkers       = 4
	receiveBufBytes  = 1 << 20
	nlmsgHeaderBytes = 16
)

var errInterrupted = errors.New("a commit interrupted the dump")

var families = map[string]uint8{"inet": 1, "ip": 2, "arp": 3, "netdev": 5, "bridge": 7, "ip6": 10}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: secgroups-nft-elements FAMILY TABLE [SET...]")
		os.Exit(2)
	}
	family, ok := families[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown family %q\n", os.Args[1])
		os.Exit(2)
	}
	conns := make([]*conn, max(1, min(runtime.NumCPU(), len(os.Args)-3, maxWorkers)))
	for i := range conns {
		c, err := dial()
		if err != nil {
			fail(err)
		}
		defer unix.Close(c.fd)
		conns[i] = c
	}
	var out []byte
	var err error
	for attempt := 1; ; attempt++ {
		out, err = dumpAll(conns, family, os.Args[2], os.Args[3:])
		if err == nil {
			break
		}
		if !errors.Is(err, errInterrupted) || attempt == attempts {
			fail(err)
		}
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<16)
	w.Write(out)
	if err := w.Flush(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "secgroups-nft-elements: %v\n", err)
	os.Exit(1)
}

type conn struct {
	fd  int
	seq uint32
	buf []byte
}

func dial() (*conn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_NETFILTER)
	if err != nil {
		return nil, fmt.Errorf("netlink socket: %w", err)
	}
	// A large buffer lets the kernel fill several dump messages per read.
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, receiveBufBytes)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netlink bind: %w", err)
	}
	return &conn{fd: fd, buf: make([]byte, receiveBufBytes)}, nil
}

// dumpAll prints the generation and every set's elements, the sets shared
// out over the connections (one per core: the kernel's share of a dump is
// most of its cost), and fails with errInterrupted when the generation moved
// meanwhile.
func dumpAll(conns []*conn, family uint8, table string, sets []string) ([]byte, error) {
	before, err := conns[0].generation()
	if err != nil {
		return nil, err
	}
	bodies := make([][]byte, len(sets))
	errs := make([]error, len(conns))
	var wg sync.WaitGroup
	for w, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(sets); i += len(conns) {
				body, err := c.elements(family, table, sets[i])
				if errors.Is(err, unix.ENOENT) {
					bodies[i] = nil
					continue
				}
				if err != nil {
					errs[w] = fmt.Errorf("set %s: %w", sets[i], err)
					return
				}
				bodies[i] = append(body, 0) // a NUL marks "present" (an empty set's body is empty)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if errors.Is(err, errInterrupted) {
			return nil, errInterrupted
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	after, err := conns[0].generation()
	if err != nil {
		return nil, err
	}
	if after != before {
		return nil, errInterrupted
	}
	out := append([]byte(nil), "gen "+strconv.FormatUint(uint64(before), 10)+"\n"...)
	for i, name := range sets {
		out = append(out, "set "+name...)
		if bodies[i] == nil {
			out = append(out, " missing\n"...)
			continue
		}
		out = append(append(out, '\n'), bodies[i][:len(bodies[i])-1]...)
	}
	return out, nil
}

func (c *conn) generation() (uint32, error) {
	var gen uint32
	found := false
	err := c.request(msgGetGen, unix.NLM_F_REQUEST|unix.NLM_F_ACK, 0, nil, func(payload []byte) error {
		return attrs(payload, func(typ uint16, value []byte) error {
			if typ == attrGenID && len(value) == 4 {
				gen, found = binary.BigEndian.Uint32(value), true
			}
			return nil
		})
	})
	if err == nil && !found {
		err = errors.New("the kernel sent no generation")
	}
	return gen, err
}

func (c *conn) elements(family uint8, table, set string) ([]byte, error) {
	var req []byte
	req = appendAttr(req, attrTable, append([]byte(table), 0))
	req = appendAttr(req, attrSet, append([]byte(set), 0))
	var out []byte
	err := c.request(msgGetSetElem, unix.NLM_F_REQUEST|unix.NLM_F_DUMP, family, req, func(payload []byte) error {
		return attrs(payload, func(typ uint16, value []byte) error {
			if typ != attrElements {
				return nil
			}
			return attrs(value, func(typ uint16, elem []byte) error {
				if typ != attrListElem {
					return fmt.Errorf("unexpected attribute %d in the element list", typ)
				}
				var err error
				out, err = appendElement(out, elem)
				return err
			})
		})
	})
	return out, err
}

// appendElement prints one element: its key, "end" for an interval end, and
// the type of every other attribute (a caller expecting none then differs).
func appendElement(out, elem []byte) ([]byte, error) {
	var key []byte
	var flags uint32
	var other [][]byte
	err := attrs(elem, func(typ uint16, value []byte) error {
		switch typ {
		case attrElemKey:
			return attrs(value, func(typ uint16, data []byte) error {
				if typ == attrDataValue {
					key = data
				}
				return nil
			})
		case attrElemFlags:
			if len(value) != 4 {
				return errors.New("element flags of the wrong size")
			}
			flags = binary.BigEndian.Uint32(value)
		default:
			other = append(other, strconv.AppendUint([]byte(" attr="), uint64(typ), 10), value)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out = hex.AppendEncode(out, key)
	if flags&elemIntervalEnd != 0 {
		out = append(out, " end"...)
	}
	if rest := flags &^ elemIntervalEnd; rest != 0 {
		out = append(out, " flags="+strconv.FormatUint(uint64(rest), 10)...)
	}
	for i := 0; i < len(other); i += 2 {
		out = append(append(out, other[i]...), ':')
		out = hex.AppendEncode(out, other[i+1])
	}
	return append(out, '\n'), nil
}

// request sends one message and hands every reply's payload (after the
// nfgenmsg header) to each, until the dump's end or the acknowledgement.
func (c *conn) request(msg uint16, flags uint16, family uint8, attrs []byte, each func([]byte) error) error {
	c.seq++
	seq := c.seq
	m := make([]byte, nlmsgHeaderBytes+4, nlmsgHeaderBytes+4+len(attrs))
	binary.NativeEndian.PutUint16(m[4:], subsysNftables<<8|msg)
	binary.NativeEndian.PutUint16(m[6:], flags)
	binary.NativeEndian.PutUint32(m[8:], seq)
	m[16] = family // nfgenmsg: family, version 0, resource id 0
	m = append(m, attrs...)
	binary.NativeEndian.PutUint32(m[0:], uint32(len(m)))
	if err := unix.Sendto(c.fd, m, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink send: %w", err)
	}
	interrupted := false
	for {
		n, _, err := unix.Recvfrom(c.fd, c.buf, 0)
		if err != nil {
			return fmt.Errorf("netlink receive: %w", err)
		}
		for b := c.buf[:n]; len(b) >= nlmsgHeaderBytes; {
			length := binary.NativeEndian.Uint32(b[0:])
			if length < nlmsgHeaderBytes || int(length) > len(b) {
				return errors.New("truncated netlink message")
			}
			typ := binary.NativeEndian.Uint16(b[4:])
			mflags := binary.NativeEndian.Uint16(b[6:])
			mseq := binary.NativeEndian.Uint32(b[8:])
			body := b[nlmsgHeaderBytes:length]
			b = b[align(int(length)):]
			if mseq != seq {
				continue
			}
			if mflags&unix.NLM_F_DUMP_INTR != 0 {
				interrupted = true
			}
			switch typ {
			case unix.NLMSG_DONE:
				if interrupted {
					return errInterrupted
				}
				return nil
			case unix.NLMSG_ERROR:
				if len(body) < 4 {
					return errors.New("truncated netlink error")
				}
				if code := int32(binary.NativeEndian.Uint32(body)); code != 0 {
					return unix.Errno(-code)
				}
				return nil // the acknowledgement of a request that was not a dump
			default:
				if len(body) < 4 {
					return errors.New("truncated nfnetlink message")
				}
				if err := each(body[4:]); err != nil {
					return err
				}
			}
		}
	}
}

func attrs(b []byte, each func(typ uint16, value []byte) error) error {
	for len(b) >= 4 {
		length := int(binary.NativeEndian.Uint16(b[0:]))
		if length < 4 || length > len(b) {
			return errors.New("truncated netlink attribute")
		}
		if err := each(binary.NativeEndian.Uint16(b[2:])&attrTypeMask, b[4:length]); err != nil {
			return err
		}
		b = b[min(align(length), len(b)):]
	}
	return nil
}

func appendAttr(b []byte, typ uint16, value []byte) []byte {
	var head [4]byte
	binary.NativeEndian.PutUint16(head[0:], uint16(4+len(value)))
	binary.NativeEndian.PutUint16(head[2:], typ)
	b = append(append(b, head[:]...), value...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func align(n int) int { return (n + 3) &^ 3 }
