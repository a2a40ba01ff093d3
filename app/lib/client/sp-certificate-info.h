/* A server certificate that did not verify, described for the person who
 * decides whether to accept it. Plain values; any thread. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  char *subject;
  char *issuer;
  char *sha256;      /* "AB:CD:…", as browsers show it */
  char *problems;    /* what is wrong with it, in words */
  char *not_after;   /* ISO 8601, or NULL */
} SpCertificateInfo;

#define SP_TYPE_CERTIFICATE_INFO (sp_certificate_info_get_type ())

GType              sp_certificate_info_get_type   (void) G_GNUC_CONST;
SpCertificateInfo *sp_certificate_info_new        (GTlsCertificate          *certificate,
                                                   GTlsCertificateFlags      errors);
SpCertificateInfo *sp_certificate_info_copy       (const SpCertificateInfo  *self);
void               sp_certificate_info_free       (SpCertificateInfo        *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpCertificateInfo, sp_certificate_info_free)

G_END_DECLS
