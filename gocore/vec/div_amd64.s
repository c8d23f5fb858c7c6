#include "textflag.h"

// func divAVX(dst, a, d *float64, n int)
//
// Div: dst[k] = a[k]/d[k], eight entries a step in two registers, then
// four, then one at a time (VDIVPD rounds each lane as VDIVSD does). All
// of a step's loads come before its stores: dst may be a.
TEXT ·divAVX(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ d+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $3, CX            // 8n
	MOVQ CX, BX
	ANDQ $-64, BX          // 8(n&^7)
	XORQ AX, AX
	CMPQ AX, BX
	JGE  dv4

dv8:
	VMOVUPD 0(SI)(AX*1), Y0
	VMOVUPD 32(SI)(AX*1), Y1
	VDIVPD 0(DX)(AX*1), Y0, Y0
	VDIVPD 32(DX)(AX*1), Y1, Y1
	VMOVUPD Y0, 0(DI)(AX*1)
	VMOVUPD Y1, 32(DI)(AX*1)
	ADDQ $64, AX
	CMPQ AX, BX
	JL   dv8

dv4:
	MOVQ CX, BX
	ANDQ $-32, BX          // 8(n&^3)
	CMPQ AX, BX
	JGE  dv1
	VMOVUPD 0(SI)(AX*1), Y0
	VDIVPD 0(DX)(AX*1), Y0, Y0
	VMOVUPD Y0, 0(DI)(AX*1)
	ADDQ $32, AX

dv1:
	CMPQ AX, CX
	JGE  dvdone

dv1l:
	VMOVSD 0(SI)(AX*1), X0
	VDIVSD 0(DX)(AX*1), X0, X0
	VMOVSD X0, 0(DI)(AX*1)
	ADDQ $8, AX
	CMPQ AX, CX
	JL   dv1l

dvdone:
	VZEROUPPER
	RET

// func subDivAVX(y, x, d *float64, n int)
//
// SubDiv (x its g): y[k] −= x[k]/d[k] (the quotient rounded, then the difference),
// in the steps of divAVX.
TEXT ·subDivAVX(SB), NOSPLIT, $0-32
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ d+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $3, CX            // 8n
	MOVQ CX, BX
	ANDQ $-64, BX          // 8(n&^7)
	XORQ AX, AX
	CMPQ AX, BX
	JGE  sd4

sd8:
	VMOVUPD 0(SI)(AX*1), Y0
	VMOVUPD 32(SI)(AX*1), Y1
	VDIVPD 0(DX)(AX*1), Y0, Y0
	VDIVPD 32(DX)(AX*1), Y1, Y1
	VMOVUPD 0(DI)(AX*1), Y2
	VMOVUPD 32(DI)(AX*1), Y3
	VSUBPD Y0, Y2, Y2
	VSUBPD Y1, Y3, Y3
	VMOVUPD Y2, 0(DI)(AX*1)
	VMOVUPD Y3, 32(DI)(AX*1)
	ADDQ $64, AX
	CMPQ AX, BX
	JL   sd8

sd4:
	MOVQ CX, BX
	ANDQ $-32, BX          // 8(n&^3)
	CMPQ AX, BX
	JGE  sd1
	VMOVUPD 0(SI)(AX*1), Y0
	VDIVPD 0(DX)(AX*1), Y0, Y0
	VMOVUPD 0(DI)(AX*1), Y2
	VSUBPD Y0, Y2, Y2
	VMOVUPD Y2, 0(DI)(AX*1)
	ADDQ $32, AX

sd1:
	CMPQ AX, CX
	JGE  sddone

sd1l:
	VMOVSD 0(SI)(AX*1), X0
	VDIVSD 0(DX)(AX*1), X0, X0
	VMOVSD 0(DI)(AX*1), X2
	VSUBSD X0, X2, X2
	VMOVSD X2, 0(DI)(AX*1)
	ADDQ $8, AX
	CMPQ AX, CX
	JL   sd1l

sddone:
	VZEROUPPER
	RET
