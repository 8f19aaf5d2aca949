-- "EarlyAccessUser" and its enum types, for the Prisma databases that have them.

CREATE TYPE "InvestmentIntent" AS ENUM ('JUST_EXPLORING', 'INVEST_WITHIN_3_MONTHS', 'READY_TO_INVEST');
CREATE TYPE "InvestmentRange" AS ENUM ('BELOW_10K', 'TEN_TO_FIFTY_K', 'FIFTY_K_TO_TWO_L', 'ABOVE_TWO_L');
CREATE TYPE "PropertyType" AS ENUM ('RESIDENTIAL', 'COMMERCIAL', 'MIXED_USE');

CREATE TABLE "EarlyAccessUser" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "investmentIntent" "InvestmentIntent" NOT NULL,
    "expectedInvestmentRange" "InvestmentRange" NOT NULL,
    "preferredPropertyType" "PropertyType",
    "source" TEXT NOT NULL DEFAULT 'website',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "EarlyAccessUser_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "EarlyAccessUser_email_key" ON "EarlyAccessUser"("email");
