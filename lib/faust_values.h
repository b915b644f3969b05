#ifndef ADAC_FAUST_VALUES_H
#define ADAC_FAUST_VALUES_H

/*
 * A "live value" is a FAUST nentry, hslider or vslider whose label holds
 * the metadata [hidden:1]: nentry("g3[hidden:1]", 0.7071, -1e9, 1e9, 0),
 * as adac-emit --live writes each coefficient.  Its init (the second
 * argument, a plain number) is the value the program was emitted with.
 */

/*
 * Whether two programs differ only in live values: their texts are equal
 * after comments and each live value's init are cut out and each run of
 * white space is made one space.  Returns 1 and fills *labels / *values
 * (malloc'd arrays of *count entries, labels without metadata or group
 * path) with each live value of new whose init changed; 0 when the texts
 * differ otherwise; -1 when out of memory.  Identical texts return 1 with
 * *count 0.  adac-live applies such a change without compiling.
 */
int adac_faust_values_diff(const char *old_source, const char *new_source,
			   char ***labels, double **values, int *count);

/*
 * Every live value of source, in the order of the text, into *labels /
 * *values (*count entries, as above): 0, or -1 when out of memory.  A
 * compiler that reads an init with fewer digits than the text has (the
 * LLVM backend of libfaust 2.54 keeps about 6) is corrected from these.
 */
int adac_faust_values_list(const char *source, char ***labels,
			   double **values, int *count);

void adac_faust_values_free(char **labels, double *values, int count);

#endif
