/* LD_PRELOAD into libguestfs 1.48's virt-filesystems and virt-df, which take no --key and never open LUKS volumes:
 * right after guestfs_launch, opens them as virt-ls, virt-cat and virt-inspector 1.48 (Debian 1.48.6) do before
 * they inspect (seen in their LIBGUESTFS_TRACE=1 output): every partition whose vfs_type is crypto_LUKS is opened
 * with cryptsetup_open as /dev/mapper/luks-UUID, then lvm_scan, then every LV whose vfs_type is crypto_LUKS the
 * same way. The passphrase comes from PLATTER_LUKS_KEY (unset: the tool runs untouched). Everything the tool then
 * lists and prints is its own: this only stands in for the missing --key.
 *
 * Build: gcc -shared -fPIC -o luks-open-shim.so luks-open-shim.c -ldl
 * (capture-luks-libguestfs-expected.sh builds and uses it).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct guestfs_h guestfs_h;
extern char **guestfs_list_partitions (guestfs_h *g);
extern char **guestfs_lvs (guestfs_h *g);
extern char *guestfs_vfs_type (guestfs_h *g, const char *mountable);
extern char *guestfs_luks_uuid (guestfs_h *g, const char *device);
extern int guestfs_cryptsetup_open (guestfs_h *g, const char *device, const char *key, const char *mapname, ...);
extern int guestfs_lvm_scan (guestfs_h *g, int activate);

static void
free_strings (char **s)
{
  if (s == NULL)
    return;
  for (size_t i = 0; s[i] != NULL; ++i)
    free (s[i]);
  free (s);
}

/* Opens the LUKS volumes among devices; returns how many, or -1 on error. */
static int
open_luks (guestfs_h *g, char **devices, const char *key)
{
  int opened = 0;
  for (size_t i = 0; devices != NULL && devices[i] != NULL; ++i) {
    char *type = guestfs_vfs_type (g, devices[i]);
    if (type == NULL)
      continue;
    int luks = strcmp (type, "crypto_LUKS") == 0;
    free (type);
    if (!luks)
      continue;
    char *uuid = guestfs_luks_uuid (g, devices[i]);
    if (uuid == NULL)
      return -1;
    char mapname[512];
    snprintf (mapname, sizeof mapname, "luks-%s", uuid);
    free (uuid);
    if (guestfs_cryptsetup_open (g, devices[i], key, mapname, -1) == -1) {
      fprintf (stderr, "luks-open-shim: could not open %s\n", devices[i]);
      return -1;
    }
    opened++;
  }
  return opened;
}

int
guestfs_launch (guestfs_h *g)
{
  int (*real) (guestfs_h *) = (int (*) (guestfs_h *)) dlsym (RTLD_NEXT, "guestfs_launch");
  int r = real (g);
  const char *key = getenv ("PLATTER_LUKS_KEY");
  if (r == -1 || key == NULL)
    return r;
  char **partitions = guestfs_list_partitions (g);
  int n = open_luks (g, partitions, key);
  free_strings (partitions);
  if (n == -1)
    return -1;
  if (n > 0 && guestfs_lvm_scan (g, 1) == -1)
    return -1;
  char **lvs = guestfs_lvs (g);
  n = open_luks (g, lvs, key);
  free_strings (lvs);
  return n == -1 ? -1 : r;
}
