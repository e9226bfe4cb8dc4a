#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 cityeye developers
#
# Rewrites an x264 SPS with seq_scaling_matrix_present_flag set, so that the
# SPS decoder is tested on scaling lists (x264 never writes them there).
# Usage: make-scaling-sps.py IN.h264 OUT.h264  (IN: SPS and PPS from x264)
import sys


def unescape(nal):
    out, zeros = bytearray(), 0
    for b in nal:
        if zeros >= 2 and b == 3:
            zeros = 0
            continue
        zeros = zeros + 1 if b == 0 else 0
        out.append(b)
    return bytes(out)


def escape(rbsp):
    out, zeros = bytearray(), 0
    for b in rbsp:
        if zeros >= 2 and b <= 3:
            out.append(3)
            zeros = 0
        out.append(b)
        zeros = zeros + 1 if b == 0 else 0
    return bytes(out)


class Reader:
    def __init__(self, data):
        self.bits = ''.join(format(b, '08b') for b in data)
        self.pos = 0

    def u(self, n):
        v = int(self.bits[self.pos:self.pos + n], 2) if n else 0
        self.pos += n
        return v

    def ue(self):
        zeros = 0
        while self.bits[self.pos] == '0':
            zeros += 1
            self.pos += 1
        self.pos += 1
        return (1 << zeros) - 1 + self.u(zeros)


class Writer:
    def __init__(self):
        self.bits = ''

    def u(self, n, v):
        self.bits += format(v, '0%db' % n) if n else ''

    def ue(self, v):
        v += 1
        self.bits += '0' * (v.bit_length() - 1) + format(v, 'b')

    def se(self, v):
        self.ue(2 * v - 1 if v > 0 else -2 * v)


def main(src, dst):
    data = open(src, 'rb').read()
    nals = [n.rstrip(b'\x00') for n in data.split(b'\x00\x00\x01')[1:]]
    sps = next(n for n in nals if n[0] & 0x1f == 7)
    pps = next(n for n in nals if n[0] & 0x1f == 8)
    r, w = Reader(unescape(sps)), Writer()
    for _ in range(4):  # NAL header, profile, constraints, level
        w.u(8, r.u(8))
    w.ue(r.ue())  # seq_parameter_set_id
    chroma = r.ue()
    w.ue(chroma)
    if chroma == 3:
        w.u(1, r.u(1))  # separate_colour_plane_flag
    w.ue(r.ue())  # bit_depth_luma_minus8
    w.ue(r.ue())  # bit_depth_chroma_minus8
    w.u(1, r.u(1))  # qpprime_y_zero_transform_bypass_flag
    assert r.u(1) == 0, 'SPS already has scaling lists'
    w.u(1, 1)
    for i in range(12 if chroma == 3 else 8):
        size = 16 if i < 6 else 64
        if i % 3 == 2:
            w.u(1, 0)  # absent: fall-back rule
        elif i % 3 == 1:
            w.u(1, 1)
            w.se(-8)  # nextScale 0 at j = 0: the default list
        else:
            w.u(1, 1)
            last = 8
            for j in range(size):
                value = 16 + (j * 3 + i) % 40
                w.se(value - last)
                last = value
    rest = r.bits[r.pos:]
    w.bits += rest[:rest.rindex('1')] + '1'  # new rbsp_trailing_bits
    w.bits += '0' * (-len(w.bits) % 8)
    rbsp = bytes(int(w.bits[i:i + 8], 2) for i in range(0, len(w.bits), 8))
    with open(dst, 'wb') as f:
        f.write(b'\x00\x00\x00\x01' + escape(rbsp) + b'\x00\x00\x00\x01' + pps)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
