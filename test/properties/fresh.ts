/**
 * A fresh number for unique slugs, names and emails: properties create objects many times
 * over in one database, and a clash would turn a real finding into a 409.
 */

let counter = 0;
export function fresh(): number {
  counter += 1;
  return counter;
}
