// What the kernel would refuse and what the IOMMU would fault on: IommuError
// carries the ioctl's errno, DmaFault the IOVA of a DMA with no translation.
// The argument checks every call shares raise them in the kernel's order
// (iommufd_check_iova_range, then alignment, then the walk's own rules), with
// messages that name the call, the value and what is allowed.

import { formatSize } from "../units/mod.ts";
import type { Vendor } from "../hw/mod.ts";
import type { IntervalSet } from "./intervals.ts";

const U64_MAX = 2n ** 64n - 1n;

/** The kernel's errno for a rejected call, carried by IommuError. */
export type Errno = "EINVAL" | "EOVERFLOW" | "EEXIST" | "ENOENT";

/** A call the kernel would refuse; `errno` is what the ioctl would return. */
export class IommuError extends Error {
  constructor(readonly errno: Errno, message: string) {
    super(`${message} (${errno})`);
    this.name = "IommuError";
  }
}

/** A DMA to an IOVA with no translation: an IOMMU fault, not a silent drop. */
export class DmaFault extends Error {
  constructor(
    readonly iova: number,
    readonly write: boolean,
    message: string,
  ) {
    super(message);
    this.name = "DmaFault";
  }
}

export const hex = (n: number) => `0x${n.toString(16)}`;

export const isPow2 = (n: number) => Number.isInteger(n) && n > 0 && Number.isInteger(Math.log2(n));

/** `size` (the argument `what` names) must be one of the vendor's leaf sizes. */
export function checkPageSize(v: Vendor, what: string, size: number): void {
  if (!v.pageSizes.includes(size)) {
    throw new IommuError(
      "EINVAL",
      `${what} ${formatSize(size)} is not a page size of vendor ${v.name}: ${
        v.pageSizes.map(formatSize).join(", ")
      }`,
    );
  }
}

/**
 * The range rules every call shares, in the kernel's order
 * (iommufd_check_iova_range): a positive length and a non-negative integer
 * iova (EINVAL), iova + length − 1 within 64 bits (EOVERFLOW), iova and
 * iova + length aligned to `align` (EINVAL; `alignName` says what it is).
 */
export function checkRange(
  what: string,
  iova: number,
  length: number,
  align: number,
  alignName = formatSize(align),
): void {
  if (!Number.isInteger(length) || length <= 0) {
    throw new IommuError("EINVAL", `${what}: length ${length} must be a positive integer`);
  }
  if (!Number.isInteger(iova) || iova < 0) {
    throw new IommuError("EINVAL", `${what}: iova ${iova} must be a non-negative integer`);
  }
  if (BigInt(iova) + BigInt(length) - 1n > U64_MAX) {
    throw new IommuError(
      "EOVERFLOW",
      `${what}: iova ${hex(iova)} + length ${hex(length)} − 1 overflows 64 bits`,
    );
  }
  checkAligned(what, iova, length, align, alignName);
}

export function checkAligned(
  what: string,
  iova: number,
  length: number,
  align: number,
  alignName: string,
): void {
  if (iova % align !== 0 || length % align !== 0) {
    throw new IommuError(
      "EINVAL",
      `${what}: iova ${hex(iova)} and iova+length ${
        hex(iova + length)
      } must be aligned to ${alignName}`,
    );
  }
}

/** map, unmap, split, collapse: the range must lie in the IOVA space the levels cover. */
export function checkSpace(what: string, iova: number, length: number, vaLimit: number): void {
  if (iova + length > vaLimit) {
    throw new IommuError(
      "EOVERFLOW",
      `${what}: [${hex(iova)}, ${hex(iova + length)}) is beyond the ${
        Math.log2(vaLimit)
      }-bit IOVA space`,
    );
  }
}

/** A DMA outside the IOVA space, empty, or at a fractional IOVA. */
export function outsideSpace(iova: number, len: number, write: boolean, vaLimit: number): DmaFault {
  return new DmaFault(
    iova,
    write,
    `DMA fault: ${write ? "write" : "read"} of ${len} bytes at IOVA ${iova} is outside the ${
      Math.log2(vaLimit)
    }-bit IOVA space or empty`,
  );
}

/** A DMA whose page at `at` has no leaf (the walk ended at `level`). */
export function notMapped(
  at: number,
  write: boolean,
  iova: number,
  len: number,
  level: number,
): DmaFault {
  return new DmaFault(
    at,
    write,
    `DMA fault: ${write ? "write" : "read"} of ${len} bytes at IOVA ${hex(iova)}: IOVA ${
      hex(at)
    } is not mapped (no entry at page-table level ${level})`,
  );
}

/** split and the dirty read: every byte of the range must be mapped. */
export function checkMapped(mapped: IntervalSet, what: string, iova: number, length: number): void {
  if (!mapped.covers(iova, iova + length)) {
    throw new IommuError(
      "EINVAL",
      `${what}: [${hex(iova)}, ${hex(iova + length)}) is not wholly mapped`,
    );
  }
}
