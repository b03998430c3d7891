/** Building boxes: big-endian fields into buffers, and boxes around them (64-bit sizes when needed). */

/** Appends big-endian fields; `done()` gives the bytes. */
export class Fields {
  private readonly parts: Buffer[] = [];

  u8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeUInt8(v);
    this.parts.push(b);
    return this;
  }

  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    this.parts.push(b);
    return this;
  }

  i16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }

  u24(v: number): this {
    return this.u8((v >>> 16) & 0xff).u16(v & 0xffff);
  }

  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    this.parts.push(b);
    return this;
  }

  i32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }

  u64(v: number): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(v));
    this.parts.push(b);
    return this;
  }

  i64(v: number): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(v));
    this.parts.push(b);
    return this;
  }

  fourcc(v: string): this {
    this.parts.push(Buffer.from(v, 'latin1'));
    return this;
  }

  bytes(v: Buffer): this {
    this.parts.push(v);
    return this;
  }

  zeros(n: number): this {
    this.parts.push(Buffer.alloc(n));
    return this;
  }

  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Largest value a 32-bit box field holds. */
export const U32_MAX = 0xffffffff;

export function box(type: string, ...body: Buffer[]): Buffer {
  const size = 8 + body.reduce((n, b) => n + b.length, 0);
  if (size > U32_MAX) throw new Error(`box ${type} too large for a 32-bit header`);
  return Buffer.concat([new Fields().u32(size).fourcc(type).done(), ...body]);
}

export function fullBox(type: string, version: number, flags: number, ...body: Buffer[]): Buffer {
  return box(type, new Fields().u8(version).u24(flags).done(), ...body);
}

/** The header of a box whose body of `bodySize` bytes follows separately (mdat): 8 or 16 bytes. */
export function boxHeader(type: string, bodySize: number): Buffer {
  if (bodySize + 8 <= U32_MAX)
    return new Fields()
      .u32(bodySize + 8)
      .fourcc(type)
      .done();
  return new Fields()
    .u32(1)
    .fourcc(type)
    .u64(bodySize + 16)
    .done();
}
