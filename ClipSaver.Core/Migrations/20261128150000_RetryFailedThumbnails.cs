using ClipSaver.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ClipSaver.Core.Migrations
{
    /// <summary>
    /// Data only, run once per database: until this version a machine without ffmpeg counted its attempts against the
    /// clips and recorded them as failed after three; nothing tells those apart from files ffmpeg really could not read.
    /// Every failed clip gets one more chance (a really broken file fails again after one attempt); from now on a
    /// missing ffmpeg costs no attempt (docs/decisions/020-thumbnails.md).
    /// </summary>
    [DbContext(typeof(ClipSaverDbContext))]
    [Migration("20261128150000_RetryFailedThumbnails")]
    public partial class RetryFailedThumbnails : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(
                "UPDATE clips SET thumbnail_state = NULL, thumbnail_attempts = 0, thumbnail_claimed_until = NULL WHERE thumbnail_state = 'failed';");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Nothing to undo: a clip given another chance keeps what it got.
        }
    }
}
