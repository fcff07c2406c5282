/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A real shared library that is none of the codec libraries: copied under a codec library's
 * name, it loads but lacks every function camrec looks up (cli_libraries_test.cpp). */
int camrec_test_unrelated_function(void);
int camrec_test_unrelated_function(void) { return 42; }
