// SPDX-License-Identifier: GPL-2.0
/*
 * json_check: is stdin one JSON value (RFC 8259, strictly)? For the guest tests, whose busybox has
 * no JSON parser. Prints "valid: N elements" (N: of a top-level array, else 1) and exits 0, or
 * "invalid at byte B" and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *s;
static size_t pos, len;
static int depth;

static void ws(void)
{
	while (pos < len && strchr(" \t\r\n", s[pos]))
		pos++;
}

static int lit(const char *w)
{
	size_t n = strlen(w);

	if (pos + n > len || memcmp(s + pos, w, n))
		return 0;
	pos += n;
	return 1;
}

static int digits(void)
{
	size_t p = pos;

	while (pos < len && s[pos] >= '0' && s[pos] <= '9')
		pos++;
	return pos > p;
}

static int number(void)
{
	if (pos < len && s[pos] == '-')
		pos++;
	if (pos < len && s[pos] == '0')
		pos++;
	else if (!digits())
		return 0;
	if (pos < len && s[pos] == '.' && (pos++, !digits()))
		return 0;
	if (pos < len && (s[pos] == 'e' || s[pos] == 'E')) {
		pos++;
		if (pos < len && (s[pos] == '+' || s[pos] == '-'))
			pos++;
		if (!digits())
			return 0;
	}
	return 1;
}

static int string(void)
{
	if (pos >= len || s[pos] != '"')
		return 0;
	for (pos++; pos < len; pos++) {
		unsigned char c = s[pos];

		if (c == '"') {
			pos++;
			return 1;
		}
		if (c < 0x20)
			return 0;
		if (c == '\\') {
			if (++pos >= len || !strchr("\"\\/bfnrtu", s[pos]))
				return 0;
			if (s[pos] == 'u') {
				int k;

				for (k = 1; k <= 4; k++)
					if (pos + k >= len || !strchr("0123456789abcdefABCDEF", s[pos + k]))
						return 0;
				pos += 4;
			}
		}
	}
	return 0;
}

static int value(void);

static int list(char close, int object, long *count)
{
	pos++;
	ws();
	if (pos < len && s[pos] == close) {
		pos++;
		return 1;
	}
	for (;;) {
		ws();
		if (object) {
			if (!string())
				return 0;
			ws();
			if (pos >= len || s[pos++] != ':')
				return 0;
		}
		if (!value())
			return 0;
		if (count)
			(*count)++;
		ws();
		if (pos < len && s[pos] == ',') {
			pos++;
			continue;
		}
		if (pos < len && s[pos] == close) {
			pos++;
			return 1;
		}
		return 0;
	}
}

static int value_counted(long *count)
{
	int ok;

	ws();
	if (pos >= len || ++depth > 64)
		return 0;
	switch (s[pos]) {
	case '{': ok = list('}', 1, NULL); break;
	case '[': ok = list(']', 0, count); break;
	case '"': ok = string(); break;
	case 't': ok = lit("true"); break;
	case 'f': ok = lit("false"); break;
	case 'n': ok = lit("null"); break;
	default: ok = number();
	}
	depth--;
	return ok;
}

static int value(void)
{
	return value_counted(NULL);
}

int main(void)
{
	size_t cap = 1 << 16;
	long count = 0;
	size_t r;

	s = malloc(cap);
	while (s && (r = fread(s + len, 1, cap - len, stdin)) > 0) {
		len += r;
		if (len == cap)
			s = realloc(s, cap *= 2);
	}
	if (!s)
		return 2;
	ws();
	if (pos < len && s[pos] != '[')
		count = 1;
	if (value_counted(&count)) {
		ws();
		if (pos == len) {
			printf("valid: %ld elements\n", count);
			return 0;
		}
	}
	printf("invalid at byte %zu\n", pos);
	return 1;
}
