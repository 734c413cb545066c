package main

import (
	"encoding/binary"
	"testing"
)

func attr(typ uint16, value []byte) []byte { return appendAttr(nil, typ, value) }

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func key(b ...byte) []byte { return attr(attrElemKey|0x8000, attr(attrDataValue, b)) }

func TestAppendElementPrintsKeyEndAndOtherAttributes(t *testing.T) {
	cases := []struct {
		name string
		elem []byte
		want string
	}{
		{"start", key(10, 0, 0, 1), "0a000001\n"},
		{"interval end", append(key(10, 0, 0, 2), attr(attrElemFlags, be32(elemIntervalEnd))...), "0a000002 end\n"},
		{"other flags", append(key(0, 0, 0, 0), attr(attrElemFlags, be32(elemIntervalEnd|4))...), "00000000 end flags=4\n"},
		{"user data", append(key(255, 255, 255, 0), attr(6, []byte{1, 4, 1, 0, 0, 0})...), "ffffff00 attr=6:010401000000\n"},
	}
	for _, c := range cases {
		got, err := appendElement(nil, c.elem)
		if err != nil || string(got) != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.name, got, err, c.want)
		}
	}
}

func TestAppendElementRefusesMalformedAttributes(t *testing.T) {
	if _, err := appendElement(nil, attr(attrElemFlags, []byte{1, 2})); err == nil {
		t.Error("flags of 2 bytes were accepted")
	}
	truncated := key(10, 0, 0, 1)
	binary.NativeEndian.PutUint16(truncated, uint16(len(truncated)+8))
	if _, err := appendElement(nil, truncated); err == nil {
		t.Error("an attribute longer than its message was accepted")
	}
}

func TestAttrsWalksPaddedAttributesAndStripsTheNestedFlag(t *testing.T) {
	b := append(attr(1, []byte("ab")), attr(2|0x8000, []byte{7, 7, 7, 7, 7})...)
	var seen []uint16
	var sizes []int
	err := attrs(b, func(typ uint16, value []byte) error {
		seen = append(seen, typ)
		sizes = append(sizes, len(value))
		return nil
	})
	if err != nil || len(seen) != 2 || seen[0] != 1 || seen[1] != 2 || sizes[0] != 2 || sizes[1] != 5 {
		t.Fatalf("got types %v sizes %v err %v", seen, sizes, err)
	}
}
