/*
 * unit_table.h - runs one cmocka test per row of a case table.
 *
 * cmocka's own macros need a static array of tests. Building the list at
 * run time lets each row of a table become a test with its own name, so a
 * failing row is reported by name and does not hide the rows after it.
 * The test function receives the row as *state.
 *
 * NOTE: the Makefile rebuilds test programs when unit.h changes, not this
 * header, so run `make clean` after editing it.
 */
#ifndef UNIT_TABLE_H
#define UNIT_TABLE_H

#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#define UNIT_MAX_TESTS 512

typedef struct unit_list {
    struct CMUnitTest tests[UNIT_MAX_TESTS];
    size_t count;
} unit_list;

/* Appends a test called `name` that runs `func` with *state set to `row`. */
static inline void unit_add(unit_list *list, const char *name, CMUnitTestFunction func, const void *row)
{
    if (list->count == UNIT_MAX_TESTS) {
        fprintf(stderr, "unit_table.h: more than %d tests; raise UNIT_MAX_TESTS\n", UNIT_MAX_TESTS);
        exit(1);
    }
    list->tests[list->count].name = name;
    list->tests[list->count].test_func = func;
    list->tests[list->count].setup_func = NULL;
    list->tests[list->count].teardown_func = NULL;
    list->tests[list->count].initial_state = (void *)row;
    list->count++;
}

/* Appends a test without a row, named after its function. */
#define UNIT_ADD(list, func) unit_add((list), #func, (func), NULL)

/* Appends one test per element of the array `rows`, whose elements have a
 * `name` member. */
#define UNIT_ADD_ROWS(list, rows, func)                                       \
    do {                                                                      \
        for (size_t row_index_ = 0; row_index_ < sizeof(rows) / sizeof((rows)[0]); row_index_++) \
            unit_add((list), (rows)[row_index_].name, (func), &(rows)[row_index_]); \
    } while (0)

/* Runs every test in `list` as the cmocka group `group`. Returns the number
 * of failed tests, as cmocka_run_group_tests does. */
static inline int unit_run(const char *group, const unit_list *list)
{
    return _cmocka_run_group_tests(group, list->tests, list->count, NULL, NULL);
}

#endif
