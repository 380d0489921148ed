import { z } from 'zod';

/** A 1/0 verdict as judges write it: 1 or 0, true or false, or those as strings ("yes"/"no" too). */
export const binaryVerdict = z
  .union([
    z.literal(0),
    z.literal(1),
    z.boolean(),
    z.enum(['0', '1', 'true', 'false', 'yes', 'no', 'Yes', 'No']),
  ])
  .transform((value) =>
    value === 1 || value === true || ['1', 'true', 'yes', 'Yes'].includes(String(value)) ? 1 : 0,
  );
