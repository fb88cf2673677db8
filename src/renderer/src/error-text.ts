/** The message of a thrown value (an API call rejects with an Error whose message is one plain-language line). */
export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
