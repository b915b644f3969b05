#include "precision.h"

const char *
adac_precision_name(enum adac_precision p)
{
	switch (p) {
	case ADAC_PRECISION_FLOAT32: return "float32";
	case ADAC_PRECISION_DOUBLE: return "double";
	case ADAC_PRECISION_FIXED: return "fixed-point";
	}
	return "float32";
}
