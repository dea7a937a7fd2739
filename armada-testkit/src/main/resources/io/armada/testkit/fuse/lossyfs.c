/*
 * lossyfs: a FUSE filesystem that passes every operation through to a backing directory and
 * remembers what was fsynced, so that a simulated power cut can discard everything that was not.
 * Built and driven by io.armada.testkit.fuse.LossyFilesystem (read its class comment first: it
 * states the semantics). Usage:
 *
 *   lossyfs BACKING MOUNTPOINT strict|journaled
 *
 * It prints "mounted" once the mount is up, then reads commands on standard input, one per line:
 *   freeze    the power fails: from now on every operation but close fails with EIO; answers "frozen"
 *   cut       freeze, unmount (fails with "busy" while a process still uses the mount), then revert
 *             the backing directory to what was durable; prints "reverted files=F bytes=B names=N"
 *             and exits
 *   unmount   a clean unmount: the backing directory keeps everything; exits
 * End of input is an unmount (the driving JVM died), so no mount outlives its owner.
 *
 * How: writes go straight to the backing files (reads need no merging, the kernel page cache stays
 * coherent), and each file keeps its durable size and an undo log of the durable bytes it
 * overwrote or truncated away since its last fsync. The durable namespace is kept as, per
 * directory inode, the list of (name, inode) entries it had when it was last committed; an inode
 * some durable entry still names is moved to BACKING/.lossyfs/grave/INO instead of being deleted,
 * so the cut can bring it back. The cut applies each file's undo log newest first, truncates it to
 * its durable size, moves every inode into a flat pool and rebuilds the tree from the durable
 * entries, deleting what no durable entry names.
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <search.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <unistd.h>

#define STATE_DIR ".lossyfs"
/* Bytes of overwritten durable data kept for undo, over all files. RocksDB and the snapshot files
 * only append and replace by rename, so this stays tiny; past it an operation fails with ENOSPC
 * rather than the fault silently keeping data it should drop. */
#define MAX_UNDO_BYTES (1024L << 20)

struct undo {
    off_t offset;
    size_t length;
    char *bytes;
};

struct dentry {
    char *name;
    uint64_t ino;
};

/* One inode of the backing filesystem, by its inode number (stable across renames). */
struct node {
    uint64_t ino;
    int is_dir;
    /* data (files), under lock */
    pthread_mutex_t lock;
    off_t durable_size;
    struct undo *undo;
    size_t undo_count, undo_capacity;
    /* namespace, under ns_lock */
    struct dentry *entries; /* durable entries (directories) */
    size_t entry_count;
    long durable_refs;     /* how many durable entries name this inode */
    int in_grave;
    int dirty;             /* a directory whose entries changed since they were last committed */
    char *dirty_path;      /* its path when it was marked dirty */
    int placed;            /* during the cut */
    char *placed_path;
};

struct handle {
    int fd;
    struct node *node;
};

static char *backing;
static char *mountpoint;
static int backing_fd = -1, grave_fd = -1;
static int strict;
static struct fuse *fs;
static void *nodes;                 /* tsearch tree of struct node*, by ino */
static pthread_mutex_t ns_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t op_lock;    /* every operation holds it shared; freeze takes it exclusively */
static volatile int frozen, unmounted, cut_requested;
static long undo_bytes;
static struct node **dirty_dirs;
static size_t dirty_count, dirty_capacity;

static void fail(const char *what) {
    fprintf(stderr, "lossyfs: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void *grow(void *array, size_t *capacity, size_t element, size_t needed) {
    if (needed <= *capacity) {
        return array;
    }
    size_t c = *capacity ? *capacity * 2 : 8;
    while (c < needed) {
        c *= 2;
    }
    void *bigger = realloc(array, c * element);
    if (!bigger) {
        fail("out of memory");
    }
    *capacity = c;
    return bigger;
}

static int compare_nodes(const void *a, const void *b) {
    uint64_t x = ((const struct node *) a)->ino, y = ((const struct node *) b)->ino;
    return x < y ? -1 : x > y;
}

static struct node *find_node(uint64_t ino) {
    struct node key = {.ino = ino};
    void *found = tfind(&key, &nodes, compare_nodes);
    return found ? *(struct node **) found : NULL;
}

static struct node *add_node(uint64_t ino, int is_dir, off_t durable_size) {
    struct node *stale = find_node(ino);
    if (stale) { /* an inode number the backing filesystem reused: what it knew is about a gone inode */
        tdelete(stale, &nodes, compare_nodes);
    }
    struct node *n = calloc(1, sizeof *n);
    if (!n) {
        fail("out of memory");
    }
    n->ino = ino;
    n->is_dir = is_dir;
    n->durable_size = durable_size;
    pthread_mutex_init(&n->lock, NULL);
    tsearch(n, &nodes, compare_nodes);
    return n;
}

/* Path relative to the backing directory: "/" is ".", "/a/b" is "a/b". */
static const char *rel(const char *path) {
    return path[1] ? path + 1 : ".";
}

static int hidden(const char *path) {
    size_t n = strlen(STATE_DIR);
    return path[0] == '/' && strncmp(path + 1, STATE_DIR, n) == 0 && (path[n + 1] == 0 || path[n + 1] == '/');
}

static void parent_of(const char *path, char *out) {
    snprintf(out, PATH_MAX, "%s", path);
    char *slash = strrchr(out, '/');
    if (slash == out) {
        strcpy(out, "/");
    } else {
        *slash = 0;
    }
}

static void free_undo(struct node *n) {
    for (size_t i = 0; i < n->undo_count; i++) {
        __atomic_sub_fetch(&undo_bytes, (long) n->undo[i].length, __ATOMIC_SEQ_CST);
        free(n->undo[i].bytes);
    }
    n->undo_count = 0;
}

/* Keeps the durable bytes in [offset, offset+length) that exist now, before they change. Under n->lock. */
static int save_durable(struct node *n, int fd, off_t offset, off_t end) {
    if (end > n->durable_size) {
        end = n->durable_size;
    }
    if (offset >= end) {
        return 0;
    }
    size_t length = (size_t) (end - offset);
    if (__atomic_add_fetch(&undo_bytes, (long) length, __ATOMIC_SEQ_CST) > MAX_UNDO_BYTES) {
        __atomic_sub_fetch(&undo_bytes, (long) length, __ATOMIC_SEQ_CST);
        fprintf(stderr, "lossyfs: more than %ld bytes of overwritten durable data held for undo\n", MAX_UNDO_BYTES);
        return -ENOSPC;
    }
    char *bytes = malloc(length ? length : 1);
    if (!bytes) {
        fail("out of memory");
    }
    ssize_t got = pread(fd, bytes, length, offset);
    if (got < 0) {
        int e = errno;
        free(bytes);
        __atomic_sub_fetch(&undo_bytes, (long) length, __ATOMIC_SEQ_CST);
        return -e;
    }
    __atomic_sub_fetch(&undo_bytes, (long) (length - (size_t) got), __ATOMIC_SEQ_CST);
    if (got == 0) {
        free(bytes);
        return 0; /* beyond the current end: an earlier truncation's record holds those bytes */
    }
    n->undo = grow(n->undo, &n->undo_capacity, sizeof *n->undo, n->undo_count + 1);
    n->undo[n->undo_count++] = (struct undo) {offset, (size_t) got, bytes};
    return 0;
}

/* ---- the durable namespace (under ns_lock) ---- */

static void mark_dirty(const char *dir_path) {
    if (strict) {
        return; /* strict: a directory's entries become durable only by its own fsync */
    }
    struct stat st;
    if (fstatat(backing_fd, rel(dir_path), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return;
    }
    struct node *d = find_node(st.st_ino);
    if (!d || d->dirty) {
        return;
    }
    d->dirty = 1;
    free(d->dirty_path);
    d->dirty_path = strdup(dir_path);
    dirty_dirs = grow(dirty_dirs, &dirty_capacity, sizeof *dirty_dirs, dirty_count + 1);
    dirty_dirs[dirty_count++] = d;
}

static void reap(struct node *n);

static void drop_ref(uint64_t ino) {
    struct node *c = find_node(ino);
    if (c && --c->durable_refs == 0 && c->in_grave) {
        reap(c);
    }
}

static void forget_entries(struct node *d) {
    for (size_t i = 0; i < d->entry_count; i++) {
        drop_ref(d->entries[i].ino);
        free(d->entries[i].name);
    }
    free(d->entries);
    d->entries = NULL;
    d->entry_count = 0;
}

/* An inode nothing durable names any more: gone for good. */
static void forget(struct node *n) {
    tdelete(n, &nodes, compare_nodes);
    n->dirty = 0; /* its inode number may come back for another directory */
    if (n->is_dir) {
        forget_entries(n);
    }
    pthread_mutex_lock(&n->lock);
    free_undo(n);
    pthread_mutex_unlock(&n->lock);
    /* the struct itself stays allocated: an open handle may still point at it */
}

/* Deletes a graveyard inode that no durable entry names. */
static void reap(struct node *n) {
    char name[32];
    snprintf(name, sizeof name, "%" PRIu64, n->ino);
    n->in_grave = 0;
    unlinkat(grave_fd, name, n->is_dir ? AT_REMOVEDIR : 0);
    forget(n);
}

static void free_entries(struct dentry *entries, size_t count) {
    for (size_t i = 0; i < count; i++) {
        free(entries[i].name);
    }
    free(entries);
}

/* The entries of an open directory, read in full before any is acted on (renaming entries out of
 * a directory while reading it may skip some); inode numbers from stat, never readdir's d_ino
 * (which some filesystems, overlayfs among them, report differently). */
static int list_dir(int dir_fd, int skip_state, struct dentry **out, size_t *count) {
    DIR *dir = fdopendir(dup(dir_fd));
    if (!dir) {
        return -errno;
    }
    struct dentry *entries = NULL;
    size_t n = 0, capacity = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || (skip_state && !strcmp(e->d_name, STATE_DIR))) {
            continue;
        }
        struct stat st;
        if (fstatat(dir_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            continue; /* gone meanwhile */
        }
        entries = grow(entries, &capacity, sizeof *entries, n + 1);
        entries[n++] = (struct dentry) {strdup(e->d_name), st.st_ino};
    }
    closedir(dir);
    *out = entries;
    *count = n;
    return 0;
}

/* Reads the current entries of a backing directory (relative path), hidden state excluded. */
static int read_entries(const char *relpath, struct dentry **out, size_t *count) {
    int fd = openat(backing_fd, relpath, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        return -errno;
    }
    int r = list_dir(fd, strcmp(relpath, ".") == 0, out, count);
    close(fd);
    return r;
}

/* The directory's current entries become its durable ones. */
static int commit_dir(struct node *d, const char *path) {
    struct dentry *entries;
    size_t count;
    int r = read_entries(rel(path), &entries, &count);
    if (r) {
        return r;
    }
    for (size_t i = 0; i < count; i++) {
        struct node *c = find_node(entries[i].ino);
        if (!c) { /* not created through this mount: cannot happen, but then none of its data is durable */
            struct stat st;
            char child[PATH_MAX];
            snprintf(child, sizeof child, "%s/%s", strcmp(path, "/") ? path : "", entries[i].name);
            int is_dir = fstatat(backing_fd, rel(child), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
            c = add_node(entries[i].ino, is_dir, 0);
        }
        c->durable_refs++;
    }
    forget_entries(d);
    d->entries = entries;
    d->entry_count = count;
    d->dirty = 0;
    return 0;
}

/* Finds the current path of directory inode ino by walking the tree from dir (relative). */
static int find_path(const char *path, uint64_t ino, char *out) {
    struct dentry *entries;
    size_t count;
    if (read_entries(rel(path), &entries, &count)) {
        return 0;
    }
    int found = 0;
    for (size_t i = 0; i < count; i++) {
        char child[PATH_MAX];
        snprintf(child, sizeof child, "%s/%s", strcmp(path, "/") ? path : "", entries[i].name);
        struct stat st;
        if (!found && fstatat(backing_fd, rel(child), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
            if (st.st_ino == ino) {
                snprintf(out, PATH_MAX, "%s", child);
                found = 1;
            } else {
                found = find_path(child, ino, out);
            }
        }
    }
    free_entries(entries, count);
    return found;
}

/* A journal commit: every directory changed since the last one gets its current entries durable. */
static void commit_dirty(void) {
    for (size_t i = 0; i < dirty_count; i++) {
        struct node *d = dirty_dirs[i];
        if (!d->dirty) {
            continue;
        }
        struct stat st;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s", d->dirty_path);
        if (fstatat(backing_fd, rel(path), &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_ino != d->ino) {
            if (!find_path("/", d->ino, path)) {
                d->dirty = 0; /* no longer in the tree (in the graveyard): nothing to commit */
                continue;
            }
        }
        commit_dir(d, path);
    }
    dirty_count = 0;
}

/* An inode leaves the tree (unlink, rmdir, replaced by a rename): kept in the graveyard while a
 * durable entry names it, else deleted. Called before the operation; returns 1 when it was moved. */
static int bury(const char *path, struct stat *st) {
    struct node *n = find_node(st->st_ino);
    if (!n || n->durable_refs == 0) {
        return 0;
    }
    char name[32];
    snprintf(name, sizeof name, "%" PRIu64, n->ino);
    if (renameat(backing_fd, rel(path), grave_fd, name) != 0) {
        return -errno;
    }
    n->in_grave = 1;
    return 1;
}

/* ---- FUSE operations ---- */

#define ENTER()                                    \
    do {                                           \
        pthread_rwlock_rdlock(&op_lock);           \
        if (frozen) {                              \
            pthread_rwlock_unlock(&op_lock);       \
            return -EIO;                           \
        }                                          \
    } while (0)
#define LEAVE(value)                               \
    do {                                           \
        int leave_ = (value);                      \
        pthread_rwlock_unlock(&op_lock);           \
        return leave_;                             \
    } while (0)

static void *lossy_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
    (void) conn;
    cfg->use_ino = 1;
    cfg->hard_remove = 1; /* unlink of an open file unlinks, never renames it to .fuse_hidden* */
    cfg->kernel_cache = 0;
    return NULL;
}

static int lossy_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
    if (hidden(path)) {
        return -ENOENT;
    }
    ENTER();
    int r = fi ? fstat(((struct handle *) fi->fh)->fd, st) : fstatat(backing_fd, rel(path), st, AT_SYMLINK_NOFOLLOW);
    LEAVE(r ? -errno : 0);
}

static int lossy_access(const char *path, int mask) {
    if (hidden(path)) {
        return -ENOENT;
    }
    ENTER();
    LEAVE(faccessat(backing_fd, rel(path), mask, 0) ? -errno : 0);
}

static int lossy_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t offset,
        struct fuse_file_info *fi, enum fuse_readdir_flags flags) {
    (void) offset;
    (void) fi;
    (void) flags;
    ENTER();
    struct dentry *entries;
    size_t count;
    int r = read_entries(rel(path), &entries, &count);
    if (r) {
        LEAVE(r);
    }
    filler(buf, ".", NULL, 0, 0);
    filler(buf, "..", NULL, 0, 0);
    for (size_t i = 0; i < count; i++) {
        filler(buf, entries[i].name, NULL, 0, 0);
    }
    free_entries(entries, count);
    LEAVE(0);
}

static int lossy_mkdir(const char *path, mode_t mode) {
    if (hidden(path)) {
        return -EACCES;
    }
    ENTER();
    pthread_mutex_lock(&ns_lock);
    int r = 0;
    struct stat st;
    if (mkdirat(backing_fd, rel(path), mode) != 0 || fstatat(backing_fd, rel(path), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        r = -errno;
    } else {
        add_node(st.st_ino, 1, 0); /* no durable entries yet */
        char parent[PATH_MAX];
        parent_of(path, parent);
        mark_dirty(parent);
    }
    pthread_mutex_unlock(&ns_lock);
    LEAVE(r);
}

static int remove_entry(const char *path, int is_dir) {
    if (hidden(path)) {
        return -ENOENT;
    }
    ENTER();
    pthread_mutex_lock(&ns_lock);
    int r = 0;
    struct stat st;
    if (fstatat(backing_fd, rel(path), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        r = -errno;
    } else if (is_dir && !S_ISDIR(st.st_mode)) {
        r = -ENOTDIR;
    } else if (!is_dir && S_ISDIR(st.st_mode)) {
        r = -EISDIR;
    } else {
        if (is_dir) { /* the graveyard only keeps empty directories */
            struct dentry *entries;
            size_t count;
            r = read_entries(rel(path), &entries, &count);
            if (!r) {
                free_entries(entries, count);
                r = count ? -ENOTEMPTY : 0;
            }
        }
        if (!r) {
            r = bury(path, &st);
            if (r == 0) {
                if (unlinkat(backing_fd, rel(path), is_dir ? AT_REMOVEDIR : 0) != 0) {
                    r = -errno;
                } else {
                    struct node *n = find_node(st.st_ino);
                    if (n) {
                        forget(n);
                    }
                }
            }
            if (r >= 0) {
                r = 0;
                char parent[PATH_MAX];
                parent_of(path, parent);
                mark_dirty(parent);
            }
        }
    }
    pthread_mutex_unlock(&ns_lock);
    LEAVE(r);
}

static int lossy_unlink(const char *path) {
    return remove_entry(path, 0);
}

static int lossy_rmdir(const char *path) {
    return remove_entry(path, 1);
}

static int lossy_rename(const char *from, const char *to, unsigned int flags) {
    if (hidden(from) || hidden(to)) {
        return -EACCES;
    }
    if (flags & ~RENAME_NOREPLACE) {
        return -EINVAL; /* RENAME_EXCHANGE, RENAME_WHITEOUT: nothing here uses them */
    }
    ENTER();
    pthread_mutex_lock(&ns_lock);
    int r = 0;
    struct stat source, target;
    int replaces = fstatat(backing_fd, rel(to), &target, AT_SYMLINK_NOFOLLOW) == 0;
    if (fstatat(backing_fd, rel(from), &source, AT_SYMLINK_NOFOLLOW) != 0) {
        r = -errno;
    } else if (replaces && (flags & RENAME_NOREPLACE)) {
        r = -EEXIST;
    } else if (replaces && target.st_ino != source.st_ino) {
        struct node *t = find_node(target.st_ino);
        if (t && t->durable_refs > 0) {
            char name[32];
            snprintf(name, sizeof name, "%" PRIu64, t->ino);
            if (S_ISDIR(target.st_mode)) {
                int buried = bury(to, &target); /* an empty directory: moved aside, not atomic */
                r = buried < 0 ? buried : 0;
            } else if (linkat(backing_fd, rel(to), grave_fd, name, 0) != 0) { /* the rename stays atomic */
                r = -errno;
            } else {
                t->in_grave = 1;
            }
            replaces = 0;
        }
    }
    if (!r) {
        if (renameat2(backing_fd, rel(from), backing_fd, rel(to), flags) != 0) {
            r = -errno;
        } else {
            if (replaces && target.st_ino != source.st_ino) {
                struct node *t = find_node(target.st_ino);
                if (t) {
                    forget(t);
                }
            }
            char parent[PATH_MAX];
            parent_of(from, parent);
            mark_dirty(parent);
            parent_of(to, parent);
            mark_dirty(parent);
        }
    }
    pthread_mutex_unlock(&ns_lock);
    LEAVE(r);
}

static int lossy_link(const char *from, const char *to) {
    (void) from;
    (void) to;
    return -EPERM; /* hard links are not modeled */
}

static int lossy_symlink(const char *target, const char *path) {
    (void) target;
    (void) path;
    return -EPERM; /* symbolic links are not modeled */
}

static int lossy_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
    ENTER();
    int r = fi ? fchmod(((struct handle *) fi->fh)->fd, mode) : fchmodat(backing_fd, rel(path), mode, 0);
    LEAVE(r ? -errno : 0);
}

static int lossy_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi) {
    ENTER();
    int r = fi ? fchown(((struct handle *) fi->fh)->fd, uid, gid)
               : fchownat(backing_fd, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW);
    LEAVE(r ? -errno : 0);
}

static int lossy_utimens(const char *path, const struct timespec times[2], struct fuse_file_info *fi) {
    ENTER();
    int r = fi ? futimens(((struct handle *) fi->fh)->fd, times)
               : utimensat(backing_fd, rel(path), times, AT_SYMLINK_NOFOLLOW);
    LEAVE(r ? -errno : 0);
}

/* Truncation to size: the durable bytes cut off are kept for undo. Under n->lock. */
static int truncate_locked(struct node *n, int fd, off_t size) {
    struct stat st;
    if (fstat(fd, &st) != 0) {
        return -errno;
    }
    if (size < st.st_size) {
        int r = save_durable(n, fd, size, st.st_size);
        if (r) {
            return r;
        }
    }
    return ftruncate(fd, size) ? -errno : 0;
}

static int lossy_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
    ENTER();
    int fd = fi ? ((struct handle *) fi->fh)->fd : openat(backing_fd, rel(path), O_RDWR);
    if (fd < 0) {
        LEAVE(-errno);
    }
    struct stat st;
    int r = 0;
    if (fstat(fd, &st) != 0) {
        r = -errno;
    } else {
        pthread_mutex_lock(&ns_lock);
        struct node *n = find_node(st.st_ino);
        if (!n) {
            n = add_node(st.st_ino, 0, st.st_size);
        }
        pthread_mutex_unlock(&ns_lock);
        pthread_mutex_lock(&n->lock);
        r = truncate_locked(n, fd, size);
        pthread_mutex_unlock(&n->lock);
    }
    if (!fi) {
        close(fd);
    }
    LEAVE(r);
}

static int open_handle(int fd, int created, struct fuse_file_info *fi, int truncate) {
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    pthread_mutex_lock(&ns_lock);
    struct node *n = find_node(st.st_ino);
    if (!n) { /* a file that was here at mount (every one of those is durable), or a new one */
        n = add_node(st.st_ino, 0, created ? 0 : st.st_size);
    }
    pthread_mutex_unlock(&ns_lock);
    if (truncate) {
        pthread_mutex_lock(&n->lock);
        int r = truncate_locked(n, fd, 0);
        pthread_mutex_unlock(&n->lock);
        if (r) {
            close(fd);
            return r;
        }
    }
    struct handle *h = malloc(sizeof *h);
    h->fd = fd;
    h->node = n;
    fi->fh = (uint64_t) (uintptr_t) h;
    return 0;
}

/* O_TRUNC is done as a tracked truncation, O_APPEND by the kernel's offsets (the backing fd must not
 * append on its own, or the undo log would record the wrong offsets); a file open for writing is
 * also open for reading, so the durable bytes a write replaces can be read for the undo log. */
static int backing_flags(int flags) {
    int f = flags & ~(O_TRUNC | O_APPEND | O_CREAT | O_EXCL);
    return (f & O_ACCMODE) == O_WRONLY ? (f & ~O_ACCMODE) | O_RDWR : f;
}

static int lossy_create(const char *path, mode_t mode, struct fuse_file_info *fi) {
    if (hidden(path)) {
        return -EACCES;
    }
    ENTER();
    pthread_mutex_lock(&ns_lock);
    struct stat before;
    int existed = fstatat(backing_fd, rel(path), &before, AT_SYMLINK_NOFOLLOW) == 0;
    int fd = openat(backing_fd, rel(path), backing_flags(fi->flags) | O_CREAT | (fi->flags & O_EXCL), mode);
    int e = errno;
    if (fd >= 0 && !existed) {
        char parent[PATH_MAX];
        parent_of(path, parent);
        mark_dirty(parent);
    }
    pthread_mutex_unlock(&ns_lock);
    if (fd < 0) {
        LEAVE(-e);
    }
    LEAVE(open_handle(fd, !existed, fi, existed && (fi->flags & O_TRUNC)));
}

static int lossy_open(const char *path, struct fuse_file_info *fi) {
    if (hidden(path)) {
        return -ENOENT;
    }
    ENTER();
    int fd = openat(backing_fd, rel(path), backing_flags(fi->flags));
    if (fd < 0) {
        LEAVE(-errno);
    }
    LEAVE(open_handle(fd, 0, fi, (fi->flags & O_TRUNC) && (fi->flags & O_ACCMODE) != O_RDONLY));
}

static int lossy_read(const char *path, char *buf, size_t size, off_t offset, struct fuse_file_info *fi) {
    (void) path;
    ENTER();
    ssize_t got = pread(((struct handle *) fi->fh)->fd, buf, size, offset);
    LEAVE(got < 0 ? -errno : (int) got);
}

static int lossy_write(const char *path, const char *buf, size_t size, off_t offset, struct fuse_file_info *fi) {
    (void) path;
    ENTER();
    struct handle *h = (struct handle *) fi->fh;
    pthread_mutex_lock(&h->node->lock);
    int r = save_durable(h->node, h->fd, offset, offset + (off_t) size);
    ssize_t wrote = 0;
    if (!r) {
        wrote = pwrite(h->fd, buf, size, offset);
        r = wrote < 0 ? -errno : (int) wrote;
    }
    pthread_mutex_unlock(&h->node->lock);
    LEAVE(r);
}

static int lossy_fallocate(const char *path, int mode, off_t offset, off_t length, struct fuse_file_info *fi) {
    (void) path;
    if (mode & ~FALLOC_FL_KEEP_SIZE) {
        return -EOPNOTSUPP; /* punching holes or zeroing ranges would need undo; nothing here uses them */
    }
    ENTER();
    struct handle *h = (struct handle *) fi->fh;
    pthread_mutex_lock(&h->node->lock);
    int r = fallocate(h->fd, mode, offset, length) ? -errno : 0;
    pthread_mutex_unlock(&h->node->lock);
    LEAVE(r);
}

static int lossy_statfs(const char *path, struct statvfs *st) {
    (void) path;
    return fstatvfs(backing_fd, st) ? -errno : 0;
}

static int lossy_flush(const char *path, struct fuse_file_info *fi) {
    (void) path;
    (void) fi;
    return 0;
}

static int lossy_release(const char *path, struct fuse_file_info *fi) {
    (void) path;
    struct handle *h = (struct handle *) fi->fh;
    close(h->fd);
    free(h);
    return 0;
}

/* fsync and fdatasync of a file: its data and size become durable; in journaled mode the pending
 * namespace changes too (a journal commit). The backing file is not fsynced: the backing
 * directory's own durability is not what is tested. */
static int lossy_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
    (void) path;
    (void) datasync;
    ENTER();
    struct handle *h = (struct handle *) fi->fh;
    struct stat st;
    int r = 0;
    pthread_mutex_lock(&h->node->lock);
    if (fstat(h->fd, &st) != 0) {
        r = -errno;
    } else {
        free_undo(h->node);
        h->node->durable_size = st.st_size;
    }
    pthread_mutex_unlock(&h->node->lock);
    if (!r && !strict) {
        pthread_mutex_lock(&ns_lock);
        commit_dirty();
        pthread_mutex_unlock(&ns_lock);
    }
    LEAVE(r);
}

static int lossy_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi) {
    (void) datasync;
    (void) fi;
    ENTER();
    pthread_mutex_lock(&ns_lock);
    int r = 0;
    if (strict) {
        struct stat st;
        if (fstatat(backing_fd, rel(path), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            r = -errno;
        } else {
            struct node *d = find_node(st.st_ino);
            r = d ? commit_dir(d, path) : -EIO;
        }
    } else {
        commit_dirty();
    }
    pthread_mutex_unlock(&ns_lock);
    LEAVE(r);
}

static const struct fuse_operations operations = {
    .init = lossy_init,
    .getattr = lossy_getattr,
    .access = lossy_access,
    .readdir = lossy_readdir,
    .mkdir = lossy_mkdir,
    .unlink = lossy_unlink,
    .rmdir = lossy_rmdir,
    .rename = lossy_rename,
    .link = lossy_link,
    .symlink = lossy_symlink,
    .chmod = lossy_chmod,
    .chown = lossy_chown,
    .utimens = lossy_utimens,
    .truncate = lossy_truncate,
    .create = lossy_create,
    .open = lossy_open,
    .read = lossy_read,
    .write = lossy_write,
    .fallocate = lossy_fallocate,
    .statfs = lossy_statfs,
    .flush = lossy_flush,
    .release = lossy_release,
    .fsync = lossy_fsync,
    .fsyncdir = lossy_fsyncdir,
};

/* ---- mount-time scan: everything already in the backing directory is durable ---- */

static void remove_tree(int parent_fd, const char *name) {
    int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd >= 0) {
        struct dentry *entries;
        size_t count;
        if (list_dir(fd, 0, &entries, &count) == 0) {
            for (size_t i = 0; i < count; i++) {
                remove_tree(fd, entries[i].name);
            }
            free_entries(entries, count);
        }
        close(fd);
        unlinkat(parent_fd, name, AT_REMOVEDIR);
    } else {
        unlinkat(parent_fd, name, 0);
    }
}

static void scan(const char *path) {
    struct stat st;
    if (fstatat(backing_fd, rel(path), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        fail(path);
    }
    struct node *d = add_node(st.st_ino, 1, 0);
    if (read_entries(rel(path), &d->entries, &d->entry_count)) {
        fail(path);
    }
    for (size_t i = 0; i < d->entry_count; i++) {
        char child[PATH_MAX];
        snprintf(child, sizeof child, "%s/%s", strcmp(path, "/") ? path : "", d->entries[i].name);
        struct stat cs;
        if (fstatat(backing_fd, rel(child), &cs, AT_SYMLINK_NOFOLLOW) != 0) {
            fail(child);
        }
        if (S_ISDIR(cs.st_mode)) {
            scan(child);
        } else {
            add_node(cs.st_ino, 0, cs.st_size);
        }
        find_node(cs.st_ino)->durable_refs++;
    }
}

/* ---- the power cut ---- */

static long reverted_files, dropped_bytes, dropped_names;
static int pool_fd = -1;

static void revert_data(int parent_fd, const char *name, uint64_t ino) {
    struct node *n = find_node(ino);
    if (!n || n->is_dir) {
        return;
    }
    int fd = openat(parent_fd, name, O_WRONLY | O_NOFOLLOW);
    if (fd < 0) {
        return;
    }
    struct stat st;
    fstat(fd, &st);
    if (n->undo_count == 0 && st.st_size == n->durable_size) {
        close(fd);
        return;
    }
    reverted_files++;
    if (st.st_size > n->durable_size) {
        dropped_bytes += st.st_size - n->durable_size;
    }
    for (size_t i = n->undo_count; i-- > 0;) {
        dropped_bytes += (long) n->undo[i].length;
        if (pwrite(fd, n->undo[i].bytes, n->undo[i].length, n->undo[i].offset) != (ssize_t) n->undo[i].length) {
            fail("undo");
        }
    }
    if (ftruncate(fd, n->durable_size) != 0) {
        fail("truncate to the durable size");
    }
    free_undo(n);
    close(fd);
}

/* Moves everything under the directory (fd) into the pool, by inode number, deepest first. */
static void flatten(int dir_fd, int root) {
    struct dentry *entries;
    size_t count;
    if (list_dir(dir_fd, root, &entries, &count) != 0) {
        fail("list during the cut");
    }
    for (size_t i = 0; i < count; i++) {
        struct stat st;
        if (fstatat(dir_fd, entries[i].name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            fail("stat during the cut");
        }
        if (S_ISDIR(st.st_mode)) {
            int child = openat(dir_fd, entries[i].name, O_RDONLY | O_DIRECTORY);
            flatten(child, 0);
            close(child);
        } else {
            revert_data(dir_fd, entries[i].name, st.st_ino);
        }
        char name[32];
        snprintf(name, sizeof name, "%" PRIu64, (uint64_t) st.st_ino);
        if (renameat(dir_fd, entries[i].name, pool_fd, name) != 0) {
            fail("move into the pool");
        }
    }
    free_entries(entries, count);
}

static int copy_file(const char *from, int dir_fd, const char *name) {
    int in = openat(backing_fd, from, O_RDONLY);
    if (in < 0) {
        return -1;
    }
    int out = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (out < 0) {
        close(in);
        return -1;
    }
    char buffer[65536];
    ssize_t n;
    int r = 0;
    while ((n = read(in, buffer, sizeof buffer)) > 0) {
        if (write(out, buffer, (size_t) n) != n) {
            r = -1;
            break;
        }
    }
    close(in);
    close(out);
    return n < 0 ? -1 : r;
}

/* Rebuilds directory d (open as dir_fd, path for messages) from its durable entries. */
static void place(struct node *d, int dir_fd, const char *path) {
    for (size_t i = 0; i < d->entry_count; i++) {
        struct dentry *e = &d->entries[i];
        struct node *c = find_node(e->ino);
        char name[32], child[PATH_MAX];
        snprintf(name, sizeof name, "%" PRIu64, e->ino);
        snprintf(child, sizeof child, "%s/%s", path, e->name);
        if (c && c->placed) {
            /* the same inode under a second durable name (renamed across directories, the two synced at
             * different times): a file gets a copy of its durable content under the second name (never a
             * hard link: nothing else here makes one), a directory keeps only its first name */
            if (!c->is_dir && copy_file(c->placed_path, dir_fd, e->name) != 0) {
                fprintf(stderr, "lossyfs: cannot copy %s to %s: %s\n", c->placed_path, child, strerror(errno));
            }
            continue;
        }
        if (renameat(pool_fd, name, dir_fd, e->name) != 0) {
            fprintf(stderr, "lossyfs: durable entry %s names inode %s, which is gone\n", child, name);
            continue;
        }
        if (!c) {
            continue;
        }
        c->placed = 1;
        c->placed_path = strdup(child);
        if (c->is_dir) {
            int fd = openat(dir_fd, e->name, O_RDONLY | O_DIRECTORY);
            place(c, fd, child);
            close(fd);
        }
    }
}

static void cut(void) {
    struct stat st;
    fstat(backing_fd, &st);
    struct node *root = find_node(st.st_ino);
    mkdirat(backing_fd, STATE_DIR "/pool", 0700);
    pool_fd = openat(backing_fd, STATE_DIR "/pool", O_RDONLY | O_DIRECTORY);
    if (pool_fd < 0) {
        fail("pool");
    }
    flatten(backing_fd, 1);
    /* the graveyard holds only files and empty directories */
    struct dentry *entries;
    size_t count;
    if (list_dir(grave_fd, 0, &entries, &count) != 0) {
        fail("graveyard");
    }
    for (size_t i = 0; i < count; i++) {
        struct stat gs;
        if (fstatat(grave_fd, entries[i].name, &gs, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(gs.st_mode)) {
            revert_data(grave_fd, entries[i].name, gs.st_ino);
        }
        if (renameat(grave_fd, entries[i].name, pool_fd, entries[i].name) != 0) {
            fail("move from the graveyard into the pool");
        }
    }
    free_entries(entries, count);
    place(root, backing_fd, ".");
    if (list_dir(pool_fd, 0, &entries, &count) != 0) {
        fail("pool");
    }
    for (size_t i = 0; i < count; i++) {
        dropped_names++;
        remove_tree(pool_fd, entries[i].name);
    }
    free_entries(entries, count);
    close(pool_fd);
    close(grave_fd);
    remove_tree(backing_fd, STATE_DIR);
}

/* ---- control ---- */

static void freeze(void) {
    pthread_rwlock_wrlock(&op_lock); /* waits for the operations under way */
    frozen = 1;
    pthread_rwlock_unlock(&op_lock);
}

static int unmount(int lazy) {
    if (umount2(mountpoint, lazy ? MNT_DETACH : 0) != 0) {
        return -errno;
    }
    unmounted = 1;
    return 0;
}

static void *control(void *unused) {
    (void) unused;
    char line[64];
    while (fgets(line, sizeof line, stdin)) {
        if (!strncmp(line, "freeze", 6)) {
            freeze();
            printf("frozen\n");
        } else if (!strncmp(line, "cut", 3)) {
            freeze();
            cut_requested = 1; /* before the unmount: main may see the loop end at once */
            int r = unmount(0);
            if (r) {
                cut_requested = 0;
                printf("busy %s\n", strerror(-r));
            } else {
                fflush(stdout);
                return NULL; /* the loop ends as the kernel drops the connection; main reverts */
            }
        } else if (!strncmp(line, "unmount", 7)) {
            if (unmount(0) && unmount(1)) {
                printf("error %s\n", strerror(errno));
            } else {
                fflush(stdout);
                return NULL;
            }
        } else {
            printf("error unknown command\n");
        }
        fflush(stdout);
    }
    if (!unmounted && unmount(0)) {
        unmount(1);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4 || (strcmp(argv[3], "strict") && strcmp(argv[3], "journaled"))) {
        fprintf(stderr, "usage: lossyfs BACKING MOUNTPOINT strict|journaled\n");
        return 2;
    }
    backing = realpath(argv[1], NULL);
    mountpoint = realpath(argv[2], NULL);
    if (!backing || !mountpoint) {
        fail("backing directory or mount point");
    }
    strict = !strcmp(argv[3], "strict");
    pthread_rwlockattr_t attributes;
    pthread_rwlockattr_init(&attributes);
    pthread_rwlockattr_setkind_np(&attributes, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP); /* freeze is not starved */
    pthread_rwlock_init(&op_lock, &attributes);
    backing_fd = open(backing, O_RDONLY | O_DIRECTORY);
    if (backing_fd < 0) {
        fail(backing);
    }
    remove_tree(backing_fd, STATE_DIR); /* a previous daemon's leftovers */
    scan("/");
    if (mkdirat(backing_fd, STATE_DIR, 0700) || mkdirat(backing_fd, STATE_DIR "/grave", 0700)) {
        fail("state directory");
    }
    grave_fd = openat(backing_fd, STATE_DIR "/grave", O_RDONLY | O_DIRECTORY);
    char *fuse_argv[] = {argv[0], "-o", "fsname=lossyfs,subtype=lossyfs", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(3, fuse_argv);
    fs = fuse_new(&args, &operations, sizeof operations, NULL);
    if (!fs || fuse_mount(fs, mountpoint) != 0) {
        fprintf(stderr, "lossyfs: cannot mount %s (is /dev/fuse there and usable?)\n", mountpoint);
        return 3;
    }
    printf("mounted\n");
    fflush(stdout);
    pthread_t controller;
    pthread_create(&controller, NULL, control, NULL);
    pthread_detach(controller);
    fuse_loop_mt(fs, 0);
    if (!unmounted) {
        fuse_unmount(fs);
    }
    if (cut_requested) {
        cut();
        printf("reverted files=%ld bytes=%ld names=%ld\n", reverted_files, dropped_bytes, dropped_names);
    } else {
        remove_tree(backing_fd, STATE_DIR);
        printf("unmounted\n");
    }
    fflush(stdout);
    _exit(0); /* fuse_destroy would run while the controller may still read standard input */
}
