using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ClipSaver.Core.Migrations
{
    /// <inheritdoc />
    public partial class ClipSkipReason : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "skip_reason",
                table: "clips",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "skip_reason",
                table: "clips");
        }
    }
}
