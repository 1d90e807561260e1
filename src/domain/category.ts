import { Type } from '@sinclair/typebox';

/** What a caller wants, from the menu path: the category of a call, a ticket, a callback. */
export const CATEGORIES = ['repair', 'billing', 'complaint', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

/** The categories as a TypeBox schema (flows, the API). */
export const CategorySchema = Type.Union(CATEGORIES.map((c) => Type.Literal(c)));
