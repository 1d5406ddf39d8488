/* Every host change a create makes registers its undo here; on failure they run in reverse, so
 * an error leaves the host as if the command had never run. */
#pragma once

typedef void (*undo_fn)(void *arg);

struct undo_list {
	struct {
		undo_fn fn;
		void *arg;
	} items[32];
	int n;
};

void undo_push(struct undo_list *u, undo_fn fn, void *arg);
void undo_run(struct undo_list *u);
/* The command succeeded: forget the undos. */
void undo_clear(struct undo_list *u);
