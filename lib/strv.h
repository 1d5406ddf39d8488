/* NULL-terminated string vectors (argv, env, options). */
#pragma once
#include <stddef.h>

size_t strv_len(char *const *v);
void strv_free(char **v);
/* Appends a copy of s; returns 0 or -1 (ENOMEM). *v may be NULL. */
int strv_push(char ***v, const char *s);
char **strv_dup(char *const *v);
/* Index of the entry equal to s, or -1. */
int strv_find(char *const *v, const char *s);
/* For env vectors: sets NAME=VALUE, replacing an existing NAME. */
int strv_env_set(char ***v, const char *entry);
/* Value of NAME in an env vector, or NULL. */
const char *strv_env_get(char *const *v, const char *name);
