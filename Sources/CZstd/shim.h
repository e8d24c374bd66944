#ifndef CZSTD_SHIM_H
#define CZSTD_SHIM_H

#include <zstd.h>
#include <zstd_errors.h>

// ZSTD_CONTENTSIZE_UNKNOWN and ZSTD_CONTENTSIZE_ERROR are expression macros
// ((0ULL - 1) and (0ULL - 2)), which Swift does not import; these expose them.
static inline unsigned long long CZstd_contentSizeUnknown(void) { return ZSTD_CONTENTSIZE_UNKNOWN; }
static inline unsigned long long CZstd_contentSizeError(void) { return ZSTD_CONTENTSIZE_ERROR; }

#endif
