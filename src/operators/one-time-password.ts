import { randomInt } from 'node:crypto';
import { Secret } from '../lib/secret.ts';

/** No 0/O, 1/l/I: the password is read off a terminal and typed by hand. */
const ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/**
 * The password `anfu admin create` prints once: 4 groups of 5 characters from a 56-symbol alphabet
 * (~116 bits from the CSPRNG, unbiased via randomInt). It passes the password policy; the operator
 * must change it at first login.
 */
export function generateOneTimePassword(): Secret<string> {
  const groups: string[] = [];
  for (let g = 0; g < 4; g++) {
    let s = '';
    for (let i = 0; i < 5; i++) s += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(s);
  }
  return new Secret(groups.join('-'));
}
