#!/usr/bin/env python3
# Draws the app icons (crates/app/web/icon-32.png, icon-192.png, icon-512.png):
# a newspaper page on the accent colour. Pure Python (zlib), no image library.
# Run from crates/app/web/ to regenerate them.
import zlib, struct, sys
BG=(0xa3,0x28,0x1b); PAGE=(0xfd,0xfc,0xf9); INK=(0x1d,0x1d,0x1b); RULE=(0x9a,0x98,0x90)
# geometry in a 512 unit square
rects=[((112,96,400,416),PAGE),((144,136,368,176),INK),((144,200,248,212),RULE),((264,200,368,212),RULE),
       ((144,232,248,244),RULE),((264,232,368,244),RULE),((144,264,248,276),RULE),((264,264,368,276),RULE),
       ((144,296,248,308),RULE),((264,296,368,308),RULE),((144,328,248,340),RULE),((264,328,368,340),RULE),
       ((144,360,248,372),RULE),((264,360,330,372),RULE)]
def png(n,path):
    rows=[]
    for y in range(n):
        row=bytearray(b'\0')
        for x in range(n):
            u=(x+.5)*512/n; v=(y+.5)*512/n; c=BG
            for (a,b,cc,d),col in rects:
                if a<=u<cc and b<=v<d: c=col
            row+=bytes(c)
        rows.append(bytes(row))
    raw=b''.join(rows)
    def chunk(t,d): return struct.pack('>I',len(d))+t+d+struct.pack('>I',zlib.crc32(t+d)&0xffffffff)
    data=b'\x89PNG\r\n\x1a\n'+chunk(b'IHDR',struct.pack('>IIBBBBB',n,n,8,2,0,0,0))+chunk(b'IDAT',zlib.compress(raw,9))+chunk(b'IEND',b'')
    open(path,'wb').write(data)
# PNG only: an SVG icon is a whole SVG document for the browser to set up
# on the page's main thread while it loads (several milliseconds there).
png(32,'icon-32.png'); png(192,'icon-192.png'); png(512,'icon-512.png')
