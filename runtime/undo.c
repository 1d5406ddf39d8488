#include "runtime/undo.h"

#include <stdlib.h>

void undo_push(struct undo_list *u, undo_fn fn, void *arg)
{
	/* The list is sized for create's steps; running out is a programming error. */
	if (u->n >= (int)(sizeof u->items / sizeof u->items[0]))
		abort();
	u->items[u->n].fn = fn;
	u->items[u->n].arg = arg;
	u->n++;
}

void undo_run(struct undo_list *u)
{
	while (u->n > 0) {
		u->n--;
		u->items[u->n].fn(u->items[u->n].arg);
	}
}

void undo_clear(struct undo_list *u)
{
	u->n = 0;
}
